// `select=` → SelectItem tree: columns with aliases, casts and JSON paths; aggregates (`count()`,
// `col.sum()`…); embeds with aliases, hints, `!inner`/`!left` and the `...` spread. Names are
// checked later, against the schema cache.
import { Scanner } from './scanner.ts'
import type { AggregateFn, SelectItem } from './types.ts'

// One word, or one of the few multi-word type names: anything else could smuggle SQL through.
const CAST = /^([A-Za-z_][A-Za-z0-9_]*|double precision|character varying|bit varying|timestamp with(out)? time zone|time with(out)? time zone)(\[\])?$/i
const AGGREGATE = /^\.(count|sum|avg|min|max)\(\)/

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
  if (!spread && field.name === 'count' && !field.path.length && s.peek() === '(' && s.peek(1) === ')') {
    // `count()`: the number of rows (of each group)
    s.pos += 2
    const item: SelectItem = { kind: 'column', field: { name: '', path: [] }, aggregate: { fn: 'count' } }
    if (alias !== undefined) item.alias = alias
    const cast = parseCast(s)
    if (cast !== undefined) item.aggregate!.cast = cast
    return item
  }
  if (s.peek() === '!' || (s.peek() === '(' && !field.path.length)) {
    if (field.path.length) s.fail('"," or ")"')
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
  const cast = parseCast(s)
  if (cast !== undefined) item.cast = cast
  const aggregate = AGGREGATE.exec(s.input.slice(s.pos))
  if (aggregate) {
    // `col.sum()`, `col::int.sum()::text`: the cast before applies to the column, after to the result
    s.pos += aggregate[0].length
    item.aggregate = { fn: aggregate[1] as AggregateFn }
    const after = parseCast(s)
    if (after !== undefined) item.aggregate.cast = after
  }
  return item
}

/** `::type` (one word, or one of the few multi-word type names), or nothing. */
function parseCast(s: Scanner): string | undefined {
  if (!s.eat('::')) return undefined
  const start = s.pos
  while (!s.done && /[A-Za-z0-9_ [\]]/.test(s.peek())) s.pos++
  const cast = s.input.slice(start, s.pos).trim()
  if (!CAST.test(cast)) s.fail('a type name')
  return cast
}
