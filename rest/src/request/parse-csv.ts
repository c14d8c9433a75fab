// text/csv request bodies (RFC 4180) → row objects, as PostgREST accepts for inserts: the first
// line names the columns, an unquoted NULL is null, everything else stays text for PostgreSQL.
import { errors } from '../errors.ts'

export function parseCsv(text: string): Record<string, string | null>[] {
  const records: (string | null)[][] = []
  let record: (string | null)[] = []
  let field = ''
  let quoted = false
  let wasQuoted = false
  let i = 0
  const endField = () => {
    record.push(!wasQuoted && field === 'NULL' ? null : field)
    field = ''
    wasQuoted = false
  }
  while (i < text.length) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"'
        i += 2
        continue
      }
      if (ch === '"') quoted = false
      else field += ch
      i++
      continue
    }
    if (ch === '"' && field === '') {
      quoted = true
      wasQuoted = true
    } else if (ch === ',') endField()
    else if (ch === '\n' || ch === '\r') {
      endField()
      records.push(record)
      record = []
      if (ch === '\r' && text[i + 1] === '\n') i++
    } else field += ch
    i++
  }
  if (quoted) throw errors.invalidBody('Unterminated quoted field in CSV')
  if (field !== '' || wasQuoted || record.length) {
    endField()
    records.push(record)
  }
  const [header, ...rows] = records.filter((r) => !(r.length === 1 && r[0] === ''))
  if (!header) return []
  return rows.map((row) => {
    if (row.length !== header.length) throw errors.invalidBody('All lines of the CSV body must have as many fields as the header')
    return Object.fromEntries(header.map((name, j) => [name ?? '', row[j] ?? null]))
  })
}
