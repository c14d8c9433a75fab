// Applies the app's migrations after the product's own: each file in its own transaction, in
// version order, under pgStack's migration advisory lock (two runners never interleave; the second
// finds the first one's work done). Checksums recorded in pgstack.app_migrations refuse a file
// edited after it was applied. A failing statement rolls its file back and is named, with the
// file, the statement's line and PostgreSQL's position in the file.
import pg from 'pg'
import { MIGRATION_LOCK_KEY, applyMigrations, productMigrations } from '@pgstack/hub'
import { CliError } from '../errors.ts'
import { compareVersions, type MigrationFile } from './files.ts'
import { lineAndColumn, splitStatements, statementLine, type Statement } from './split.ts'

export interface AppliedRecord {
  version: string
  name: string
  checksum: string
  applied_at: Date
}

export type MigrationState = 'applied' | 'pending' | 'edited' | 'missing'

export interface MigrationStatus {
  version: string
  name: string
  path: string | null
  state: MigrationState
  appliedAt: Date | null
}

const TABLE = `
CREATE SCHEMA IF NOT EXISTS pgstack;
CREATE TABLE IF NOT EXISTS pgstack.app_migrations (
  version text PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`

export async function readApplied(client: pg.Client): Promise<AppliedRecord[]> {
  const { rows } = await client.query<{ exists: boolean }>("SELECT to_regclass('pgstack.app_migrations') IS NOT NULL AS exists")
  if (!rows[0]!.exists) return []
  return (await client.query<AppliedRecord>('SELECT version, name, checksum, applied_at FROM pgstack.app_migrations')).rows
}

/** Every file and every applied record, in version order, each with its state. */
export function migrationStatus(files: MigrationFile[], applied: AppliedRecord[]): MigrationStatus[] {
  const byVersion = new Map(applied.map((record) => [BigInt(record.version).toString(), record]))
  const seen = new Set<string>()
  const list: MigrationStatus[] = files.map((file) => {
    const key = BigInt(file.version).toString()
    seen.add(key)
    const record = byVersion.get(key)
    const state: MigrationState = !record ? 'pending' : record.checksum === file.checksum ? 'applied' : 'edited'
    return { version: file.version, name: file.name, path: file.path, state, appliedAt: record?.applied_at ?? null }
  })
  for (const record of applied) {
    if (!seen.has(BigInt(record.version).toString())) {
      list.push({ version: record.version, name: record.name, path: null, state: 'missing', appliedAt: record.applied_at })
    }
  }
  return list.sort((a, b) => compareVersions(a.version, b.version))
}

export interface ApplyOptions {
  /** Superuser or owner connection. */
  url: string
  files: MigrationFile[]
  progress?: (line: string) => void
}

/** Applies the product's migrations, then the app's pending files. Returns the files applied. */
export async function applyAll(options: ApplyOptions): Promise<MigrationFile[]> {
  const progress = options.progress ?? (() => {})
  try {
    await applyMigrations(options.url, productMigrations(), progress)
  } catch (error) {
    if (error instanceof CliError) throw error
    throw new CliError(`pgStack's own migrations failed (${(error as Error).message})`)
  }
  const client = new pg.Client({ connectionString: options.url })
  client.on('error', () => {})
  await client.connect()
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [MIGRATION_LOCK_KEY])
    if (!rows[0]!.locked) {
      progress('Waiting for another migration runner to finish…')
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY])
    }
    try {
      await client.query(TABLE)
      const status = migrationStatus(options.files, await readApplied(client))
      const edited = status.find((s) => s.state === 'edited')
      if (edited) {
        throw new CliError(`${edited.path} was edited after it was applied`, 'put the change in a new migration (`pgstack migrate new <name>`) and restore the file')
      }
      const pending = options.files.filter((file) => status.find((s) => s.version === file.version)?.state === 'pending')
      const applied: MigrationFile[] = []
      for (const file of pending) {
        // `migrate new` makes a file of comments, and `dev` watches: wait until it says something
        if ((await splitStatements(file.sql))?.length === 0) {
          progress(`${file.path} has no statements yet: it waits, with the files after it`)
          break
        }
        progress(`Applying ${file.path}`)
        await applyFile(client, file)
        applied.push(file)
      }
      return applied
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {})
    }
  } finally {
    await client.end().catch(() => {})
  }
}

async function applyFile(client: pg.Client, file: MigrationFile): Promise<void> {
  const statements: Statement[] = (await splitStatements(file.sql)) ?? [{ text: file.sql, offset: 0 }]
  await client.query('BEGIN')
  let current: Statement | undefined
  try {
    for (const statement of statements) {
      current = statement
      await client.query(statement.text)
    }
    current = undefined
    await client.query('INSERT INTO pgstack.app_migrations (version, name, checksum) VALUES ($1, $2, $3)', [file.version, file.name, file.checksum])
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw migrationFailure(file, statements, current, error)
  }
}

function migrationFailure(file: MigrationFile, statements: Statement[], statement: Statement | undefined, error: unknown): CliError {
  const e = error as Error & { position?: string; code?: string }
  if (!statement) return new CliError(`${file.path} failed: ${e.message}`, 'rolled back, nothing of it was applied')
  const index = statements.indexOf(statement) + 1
  const where = statements.length > 1 ? `statement ${index} (line ${statementLine(file.sql, statement)})` : `line ${statementLine(file.sql, statement)}`
  let at = ''
  if (e.position) {
    const { line, column } = lineAndColumn(file.sql, statement.offset + Number(e.position) - 1)
    at = ` at line ${line}, column ${column}`
  }
  const code = e.code ? ` [${e.code}]` : ''
  return new CliError(`${file.path}, ${where}: ${e.message}${code}${at}`, 'rolled back, nothing of this file was applied; fix it and run again')
}
