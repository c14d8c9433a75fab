// `select=` → SelectItem tree: columns with aliases, casts and JSON paths; embeds with aliases,
// hints, `!inner`/`!left` and the `...` spread. Names are checked later, against the schema cache.
import { errors } from '../errors.ts'
import { Scanner } from './scanner.ts'
import type { SelectItem } from './types.ts'

// One word, or one of the few multi-word type names: anything else could smuggle SQL through.
const CAST = /^([A-Za-z_][A-Za-z0-9_]*|double precision|character varying|bit varying|timestamp with(out)? time zone|time with(out)? time zone)(\[\])?$/i
const AGGREGATES = new Set(['count', 'sum', 'avg', 'min', 'max'])

export function parseSelect(value: string): SelectItem[] {
  const s = new Scanner(value, 'select parameter')
  const items = parseList(s, false)
  if (!s.done) s.fail('"," or end of input')
  return items
}

function parseList(s: Scanner, nested: boolean): SelectItem[] {
  const items: SelectItem[] = []
  s.skipSpaces()
  // `rel()`: an embed that selects nothing, there only to filter (`!inner`, `rel=is.null`).
  if (nested && s.peek() === ')') return []
  if (!nested && s.done) return [{ kind: 'star' }]
  for (;;) {
    s.skipSpaces()
    items.push(parseItem(s))
    s.skipSpaces()
    if (!s.eat(',')) break
  }
  return items
}

function parseItem(s: Scanner): SelectItem {
  if (s.eat('*')) return { kind: 'star' }
  const spread = s.eat('...')
  let alias: string | undefined
  let field = s.field()
  if (s.peek() === ':' && s.peek(1) !== ':') {
    if (field.path.length) s.fail('"(" or ","')
    s.pos++
    alias = field.name
    s.skipSpaces()
    field = s.field()
  }
  if (s.peek() === '!' || (s.peek() === '(' && !field.path.length)) {
    if (field.path.length) s.fail('"," or ")"')
    if (s.peek() === '(' && s.peek(1) === ')' && AGGREGATES.has(field.name)) throw errors.aggregates()
    let hint: string | undefined
    let join: 'inner' | 'left' | undefined
    while (s.eat('!')) {
      const word = s.name()
      if (word === 'inner' || word === 'left') join = word
      else if (hint === undefined) hint = word
      else s.fail('"inner" or "left"')
    }
    s.expect('(')
    const select = parseList(s, true)
    s.skipSpaces()
    s.expect(')')
    const embed: SelectItem = { kind: 'embed', name: field.name, spread, select }
    if (alias !== undefined) embed.alias = alias
    if (hint !== undefined) embed.hint = hint
    if (join !== undefined) embed.join = join
    return embed
  }
  if (spread) s.fail('"("')
  const item: SelectItem = { kind: 'column', field }
  if (alias !== undefined) item.alias = alias
  if (s.eat('::')) {
    const start = s.pos
    while (!s.done && /[A-Za-z0-9_ [\]]/.test(s.peek())) s.pos++
    const cast = s.input.slice(start, s.pos).trim()
    if (!CAST.test(cast)) s.fail('a type name')
    item.cast = cast
  }
  if (s.peek() === '.' && AGGREGATES.has(s.input.slice(s.pos + 1).split('(')[0] ?? '')) throw errors.aggregates()
  return item
}
