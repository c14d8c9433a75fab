// Filter, logic-tree and order parameters → FilterNode / OrderTerm. Values stay strings; the plan
// stage binds them as parameters, so nothing here needs escaping.
import { errors } from '../errors.ts'
import { Scanner } from './scanner.ts'
import { OPERATORS, type Condition, type Field, type FilterNode, type Logic, type Operator, type OrderTerm } from './types.ts'

const OPERATOR_SET = new Set<string>(OPERATORS)
const FTS = new Set(['fts', 'plfts', 'phfts', 'wfts'])
const QUANTIFIABLE = new Set(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch'])
const IS_VALUES = new Set(['null', 'not_null', 'true', 'false', 'unknown'])

/** `[not.]op[(modifier)].value` for `field`. `quoted`: values inside logic trees may be "quoted". */
// Module-level, not a closure in parseCondition: tsx (esbuild keepNames) gives every named
// closure its name with Object.defineProperty each time one is created, on every request.
function failFilter(text: string, column: number, expecting: string): never {
  throw errors.parse('filter', text, column, `unexpected "${text[column - 1] ?? ''}" expecting ${expecting}`)
}

export function parseCondition(field: Field, text: string, quoted = false): Condition {
  let rest = text
  let negated = false
  if (rest.startsWith('not.')) {
    negated = true
    rest = rest.slice(4)
  }
  const opMatch = /^([a-z]+)(\(([^)]*)\))?\./.exec(rest)
  if (!opMatch || !OPERATOR_SET.has(opMatch[1]!)) {
    // PostgREST's shorthand: `col=not.eq.1` handled above; anything else is a parse error.
    failFilter(text, text.length - rest.length + 1, '"not" or operator (eq, gt, ...)')
  }
  const operator = opMatch![1] as Operator
  const modifier = opMatch![3]
  let value = rest.slice(opMatch![0].length)
  const condition: Condition = { kind: 'condition', field, negated, operator, value }
  if (modifier !== undefined) {
    if (FTS.has(operator)) condition.language = modifier
    else if ((modifier === 'any' || modifier === 'all') && QUANTIFIABLE.has(operator)) condition.quantifier = modifier
    else failFilter(text, text.length - rest.length + operator.length + 2, '"any" or "all"')
  }
  if (operator === 'in') {
    condition.value = parseList(value, text)
    return condition
  }
  if (quoted) value = unquote(value)
  if (operator === 'is') {
    const v = value.toLowerCase()
    if (!IS_VALUES.has(v)) failFilter(text, text.length - value.length + 1, 'null or trilean value (unknown, true, false)')
    condition.value = v
  } else condition.value = value
  return condition
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\(.)/g, '$1')
  }
  return value
}

/** `(a,"b,c",d)` → ['a', 'b,c', 'd']; `()` → []. */
export function parseList(value: string, whole: string = value): string[] {
  if (!value.startsWith('(') || !value.endsWith(')')) {
    throw errors.parse('filter', whole, whole.length - value.length + 1, `unexpected "${value[0] ?? ''}" expecting "("`)
  }
  const inner = value.slice(1, -1)
  if (inner.trim() === '') return []
  return splitTopLevel(inner).map((item) => unquote(item.trim()))
}

/** Splits at commas outside double quotes and parentheses. */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let inQuotes = false
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (inQuotes) {
      if (ch === '\\') i++
      else if (ch === '"') inQuotes = false
    } else if (ch === '"') inQuotes = true
    else if (ch === '(' || ch === '{' || ch === '[') depth++
    else if (ch === ')' || ch === '}' || ch === ']') depth--
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i))
      start = i + 1
    }
  }
  parts.push(text.slice(start))
  return parts
}

/** `or=(a.eq.1,and(b.gt.2,not.c.is.null))`: `operator` comes from the key, `value` is the list. */
export function parseLogic(operator: 'and' | 'or', negated: boolean, value: string): Logic {
  const what = 'logic tree'
  if (/^\(\s*\)$/.test(value)) {
    throw errors.parse(what, value, value.length + 2, 'unexpected ")" expecting field name (* or [a..z0..9_$]), negation operator (not) or logic operator (and, or)')
  }
  if (!value.startsWith('(') || !value.endsWith(')') || value.length < 3) {
    throw errors.parse(what, value, 1, `unexpected "${value[0] ?? ''}" expecting "("`)
  }
  const children = splitTopLevel(value.slice(1, -1)).map((item) => parseLogicItem(item.trim(), value))
  return { kind: 'logic', operator, negated, children }
}

function parseLogicItem(item: string, whole: string): FilterNode {
  const logic = /^(not\.)?(and|or)\s*(\(.*\))$/s.exec(item)
  if (logic) return parseLogic(logic[2] as 'and' | 'or', Boolean(logic[1]), logic[3]!)
  const s = new Scanner(item, 'logic tree')
  // `books.authors.name.eq.x`: segments before the column name embeds (beyond PostgREST: a
  // parent kept when some embedded row meets the condition). The condition starts at the first
  // segment that is an operator (or `not`).
  const embedPath: string[] = []
  let field: Field
  for (;;) {
    try {
      field = s.field()
    } catch {
      throw errors.parse('logic tree', whole, 1, `unexpected "${item[0] ?? ''}" expecting field name`)
    }
    if (!s.eat('.')) throw errors.parse('logic tree', whole, whole.indexOf(item) + s.pos + 1, `unexpected "${s.peek()}" expecting "."`)
    const next = /^[a-z]+/.exec(item.slice(s.pos))?.[0] ?? ''
    if (field.path.length || next === 'not' || OPERATOR_SET.has(next)) break
    embedPath.push(field.name)
  }
  const condition = parseCondition(field, item.slice(s.pos), true)
  if (embedPath.length) condition.embedPath = embedPath
  return condition
}

/** A filter key `a.b.col->x` → embed path ['a','b'] and field `col->x`. */
export function parseFilterKey(key: string): { path: string[]; field: Field } {
  // The field may be quoted and may contain '->' steps; the embed path is the dotted prefix.
  const s = new Scanner(key, 'filter')
  const path: string[] = []
  for (;;) {
    const start = s.pos
    const f = s.field()
    if (s.eat('.')) {
      if (f.path.length) s.fail('end of input')
      path.push(f.name)
      continue
    }
    if (!s.done) s.fail('"." or end of input')
    void start
    return { path, field: f }
  }
}

/** `order=a.desc.nullslast,data->>x,parent(name).asc` */
export function parseOrder(value: string): OrderTerm[] {
  const terms: OrderTerm[] = []
  for (const raw of splitTopLevel(value)) {
    const item = raw.trim()
    const s = new Scanner(item, 'order')
    if (item === '') throw errors.parse('order', value, 1, 'unexpected end of input expecting field name')
    let field = s.field()
    const term: OrderTerm = { field }
    if (s.peek() === '(' && !field.path.length) {
      s.pos++
      term.relation = field.name
      field = s.field()
      s.expect(')')
      term.field = field
    }
    while (s.eat('.')) {
      const word = s.name()
      if (word === 'asc' || word === 'desc') {
        if (term.direction) s.fail('"nullsfirst" or "nullslast"')
        term.direction = word
      } else if (word === 'nullsfirst' || word === 'nullslast') {
        if (term.nulls) s.fail('end of input')
        term.nulls = word === 'nullsfirst' ? 'first' : 'last'
      } else {
        // `nullslasttt`: PostgREST's parser takes the keyword and stops at the first extra character.
        const keyword = ['nullsfirst', 'nullslast', 'desc', 'asc'].find((k) => word.startsWith(k))
        const at = value.indexOf(raw) + (raw.length - raw.trimStart().length) + s.pos - word.length
        if (keyword) throw errors.parse('order', value, at + keyword.length + 1, `unexpected '${word[keyword.length]}' expecting "," or end of input`)
        throw errors.parse('order', value, at + 1, `unexpected "${word}" expecting "asc", "desc", "nullsfirst" or "nullslast"`)
      }
    }
    if (!s.done) s.fail('"." or ","')
    terms.push(term)
  }
  return terms
}
