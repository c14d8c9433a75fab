// The app's named live queries: live/<name>.sql holds one SELECT, defined with pgr.define under
// the file's name (what useLiveQuery('<name>') subscribes to). Optional header comments declare
// what pg_reactive cannot infer:
//   -- @params boolean, uuid     parameter types of $1, $2 (else inferred)
//   -- @key id                   key columns (else the primary key of a single-table query)
//   -- @refresh 30 seconds       re-evaluate on a timer (queries that read now() and the like)
// A file is defined again only when it differs from the definition in the database.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import type pg from 'pg'
import { lineAndColumn } from './migrations/split.ts'

export interface LiveDefinition {
  name: string
  path: string
  sql: string
  paramTypes: string[] | null
  key: string[] | null
  refresh: string | null
}

export interface DefineOutcome {
  name: string
  path: string
  action: 'defined' | 'redefined' | 'unchanged' | 'failed'
  error?: string
}

const NAME = /^[a-z_][a-z0-9_]*$/

function list(value: string): string[] {
  return value.split(',').map((part) => part.trim()).filter(Boolean)
}

export function parseLiveFile(name: string, path: string, text: string): LiveDefinition {
  const header = (tag: string) => new RegExp(`^\\s*--\\s*@${tag}\\s+(.+?)\\s*$`, 'm').exec(text)?.[1] ?? null
  const params = header('params')
  const key = header('key')
  // pg_reactive takes exactly one statement: a trailing semicolon is the file's, not the query's
  const sql = text.replace(/;\s*$/, '').trim()
  return { name, path, sql, paramTypes: params ? list(params) : null, key: key ? list(key) : null, refresh: header('refresh') }
}

/** The live/*.sql files; a file whose name cannot be a live query's name is reported, not defined. */
export function readLiveFiles(projectDir: string, dir: string): { definitions: LiveDefinition[]; problems: DefineOutcome[] } {
  const definitions: LiveDefinition[] = []
  const problems: DefineOutcome[] = []
  if (!existsSync(dir)) return { definitions, problems }
  for (const entry of readdirSync(dir).sort()) {
    if (!entry.endsWith('.sql')) continue
    const name = entry.slice(0, -4)
    const path = relative(projectDir, join(dir, entry))
    if (!NAME.test(name)) {
      problems.push({ name, path, action: 'failed', error: `${path}: "${name}" is not a live query name (lower-case letters, digits and _): rename the file` })
      continue
    }
    definitions.push(parseLiveFile(name, path, readFileSync(join(dir, entry), 'utf8')))
  }
  return { definitions, problems }
}

/**
 * Defines each live query that is new or changed, each in its own transaction: one broken file
 * is reported with PostgreSQL's message and position and leaves the others (and its own previous
 * definition) in place.
 */
export async function defineLiveQueries(client: pg.Client, definitions: LiveDefinition[]): Promise<DefineOutcome[]> {
  const outcomes: DefineOutcome[] = []
  for (const def of definitions) {
    const existing = await compareWithDatabase(client, def)
    if (existing === 'same') {
      outcomes.push({ name: def.name, path: def.path, action: 'unchanged' })
      continue
    }
    await client.query('BEGIN')
    try {
      if (existing !== 'new') await client.query('SELECT pgr.undefine($1)', [def.name])
      await client.query('SELECT pgr.define($1, $2, $3::regtype[], $4::text[], $5::interval)', [def.name, def.sql, def.paramTypes, def.key, def.refresh])
      await client.query('COMMIT')
      outcomes.push({ name: def.name, path: def.path, action: existing === 'new' ? 'defined' : 'redefined' })
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {})
      outcomes.push({ name: def.name, path: def.path, action: 'failed', error: describeDefineError(def, error) })
    }
  }
  return outcomes
}

/** Compared by PostgreSQL, so `bool` and `boolean`, `30s` and `30 seconds` are the same. */
async function compareWithDatabase(client: pg.Client, def: LiveDefinition): Promise<'new' | 'same' | 'changed'> {
  const found = await client.query('SELECT 1 FROM pgr.live_queries WHERE name = $1 AND NOT adhoc', [def.name])
  if (found.rowCount === 0) return 'new'
  try {
    const { rows } = await client.query<{ same: boolean }>(
      `SELECT q.sql = $2 AND ($3::regtype[] IS NULL OR q.param_types::regtype[] = $3::regtype[])
              AND ($4::text[] IS NULL OR q.key = $4::text[]) AND q.refresh IS NOT DISTINCT FROM $5::interval AS same
         FROM pgr.live_queries q WHERE q.name = $1 AND NOT q.adhoc`,
      [def.name, def.sql, def.paramTypes, def.key, def.refresh],
    )
    return rows[0]?.same ? 'same' : 'changed'
  } catch {
    return 'changed' // a type or interval PostgreSQL refuses: define() reports it
  }
}

function describeDefineError(def: LiveDefinition, error: unknown): string {
  const e = error as Error & { code?: string; internalPosition?: string; internalQuery?: string; hint?: string }
  let at = ''
  if (e.internalQuery === def.sql && e.internalPosition) {
    const { line, column } = lineAndColumn(def.sql, Number(e.internalPosition) - 1)
    at = ` (line ${line}, column ${column} of the query)`
  }
  const hint = e.hint ? `; ${e.hint}` : ''
  return `${def.path}: ${e.message}${e.code ? ` [${e.code}]` : ''}${at}${hint}`
}
