// The order of a live query's rows, read from its SQL's last top-level ORDER BY over output
// columns, and a comparator that sorts jsonb rows as PostgreSQL's C collation does. Best effort:
// anything it cannot read (expressions, functions, COLLATE) gives no order, never a wrong one.

export interface SortKey {
  column: string
  desc: boolean
  nullsFirst: boolean
}

export type Row = Record<string, unknown>

/**
 * `sql` with the same length, string literals, quoted identifiers' contents, comments and
 * everything inside parentheses blanked, so keywords found in it are top-level keywords.
 */
function topLevelText(sql: string): string {
  let out = ''
  let depth = 0
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1)
      const stop = end < 0 ? sql.length - 1 : end
      const fill = depth === 0 && c === '"' ? 'x' : ' '
      out += (depth === 0 ? c : ' ') + fill.repeat(Math.max(0, stop - i - 1)) + (stop > i ? (depth === 0 ? c : ' ') : '')
      i = stop
      continue
    }
    if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i)
      const stop = end < 0 ? sql.length : end
      out += ' '.repeat(stop - i)
      i = stop - 1
      continue
    }
    if (c === '(') depth++
    out += depth === 0 ? c : ' '
    if (c === ')') depth--
  }
  return out
}

/** The ORDER BY of `sql` as sort keys over `columns`, or null when there is none or it is not plain. */
export function parseOrder(sql: string, columns: readonly string[]): SortKey[] | null {
  const text = topLevelText(sql.replace(/;\s*$/, ''))
  const matches = [...text.matchAll(/\border\s+by\b/gi)]
  const last = matches.at(-1)
  if (!last) return null
  let clause = sql.slice(last.index + last[0].length)
  const tail = /\b(limit|offset|fetch|for)\b/i.exec(text.slice(last.index + last[0].length))
  if (tail) clause = clause.slice(0, tail.index)
  clause = clause.replace(/;\s*$/, '').trim()
  const keys: SortKey[] = []
  for (const raw of clause.split(',')) {
    const m = /^\s*((?:"[^"]+"|[A-Za-z_][\w$]*)(?:\s*\.\s*(?:"[^"]+"|[A-Za-z_][\w$]*))*|\d+)\s*(asc|desc)?\s*(nulls\s+(first|last))?\s*$/i.exec(raw)
    if (!m) return null
    let column: string
    if (/^\d+$/.test(m[1]!)) {
      const n = Number(m[1])
      if (n < 1 || n > columns.length) return null
      column = columns[n - 1]!
    } else {
      const last = m[1]!.split('.').at(-1)!.trim()
      column = last.startsWith('"') ? last.slice(1, -1) : last.toLowerCase()
      if (!columns.includes(column)) return null
    }
    const desc = (m[2] ?? '').toLowerCase() === 'desc'
    const nullsFirst = m[4] ? m[4].toLowerCase() === 'first' : desc
    keys.push({ column, desc, nullsFirst })
  }
  return keys.length ? keys : null
}

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b)
  const x = typeof a === 'string' ? a : JSON.stringify(a)
  const y = typeof b === 'string' ? b : JSON.stringify(b)
  return x < y ? -1 : x > y ? 1 : 0
}

export function comparatorFor(order: readonly SortKey[]): (a: Row, b: Row) => number {
  return (a, b) => {
    for (const { column, desc, nullsFirst } of order) {
      const x = a[column] ?? null
      const y = b[column] ?? null
      if (x === null || y === null) {
        if (x === y) continue
        return (x === null) === nullsFirst ? -1 : 1
      }
      const c = compareValues(x, y)
      if (c !== 0) return desc ? -c : c
    }
    return 0
  }
}
