// Splits a migration file into its statements with PostgreSQL's own parser (libpg_query), so a
// failure can name the statement and the position in the file. A file the parser refuses is run
// whole: PostgreSQL then reports the syntax error with its position.
import libpg from 'libpg-query'

export interface Statement {
  /** The statement's text, as sent to PostgreSQL. */
  text: string
  /** Character offset of `text` in the file. */
  offset: number
}

let loaded: Promise<void> | undefined

export async function splitStatements(sql: string): Promise<Statement[] | null> {
  loaded ??= libpg.loadModule()
  await loaded
  let stmts: Array<{ stmt_location?: number; stmt_len?: number }>
  try {
    stmts = (libpg.parseSync(sql) as { stmts?: typeof stmts }).stmts ?? []
  } catch {
    return null
  }
  // libpg_query counts in UTF-8 bytes; PostgreSQL's error positions count characters
  const bytes = Buffer.from(sql, 'utf8')
  const chars = (byteOffset: number) => bytes.subarray(0, byteOffset).toString('utf8').length
  return stmts.map((stmt) => {
    const start = stmt.stmt_location ?? 0
    const end = stmt.stmt_len ? start + stmt.stmt_len : bytes.length
    return { text: bytes.subarray(start, end).toString('utf8'), offset: chars(start) }
  })
}

/** 1-based line and column of a character offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset)
  const lines = before.split('\n')
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1 }
}

/** The line a statement's first token is on (its text may start with blank lines and comments). */
export function statementLine(file: string, statement: Statement): number {
  const lead = /^(\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*/.exec(statement.text)?.[0].length ?? 0
  return lineAndColumn(file, statement.offset + lead).line
}
