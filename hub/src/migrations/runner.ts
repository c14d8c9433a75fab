// Applies versioned migrations once each, in order, under an advisory lock so that two processes
// starting together do not race. Each migration runs in its own transaction; an edited migration
// that was already applied is refused rather than silently skipped.
import { createHash } from 'node:crypto'
import pg from 'pg'

export interface Migration {
  /** Which part of the product owns it ('core', 'auth', …); versions count per component. */
  component: string
  version: number
  name: string
  sql: string
}

export class MigrationError extends Error {
  override name = 'MigrationError'
}

/** Any constant; identifies pgStack's migration lock (the CLI's app migrations take it too). */
export const MIGRATION_LOCK_KEY = 7_405_114_102
const LOCK_KEY = MIGRATION_LOCK_KEY

const checksum = (sql: string) => createHash('sha256').update(sql).digest('hex').slice(0, 16)

export async function applyMigrations(
  databaseUrl: string,
  migrations: Migration[],
  log: (line: string) => void = () => {},
): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  const applied: string[] = []
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY])
    await client.query(`
      CREATE SCHEMA IF NOT EXISTS pgstack;
      CREATE TABLE IF NOT EXISTS pgstack.migrations (
        component text NOT NULL,
        version integer NOT NULL,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (component, version)
      )`)
    const { rows } = await client.query<{ component: string; version: number; checksum: string }>(
      'SELECT component, version, checksum FROM pgstack.migrations',
    )
    const done = new Map(rows.map((r) => [`${r.component}:${r.version}`, r.checksum]))
    for (const migration of migrations) {
      const id = `${migration.component}:${migration.version}`
      const sum = checksum(migration.sql)
      const previous = done.get(id)
      if (previous !== undefined) {
        if (previous !== sum) {
          throw new MigrationError(
            `Migration ${id} (${migration.name}) was changed after it was applied; add a new migration instead of editing it.`,
          )
        }
        continue
      }
      log(`Applying migration ${id} ${migration.name}`)
      await client.query('BEGIN')
      try {
        await client.query(migration.sql)
        await client.query(
          'INSERT INTO pgstack.migrations (component, version, name, checksum) VALUES ($1, $2, $3, $4)',
          [migration.component, migration.version, migration.name, sum],
        )
        await client.query('COMMIT')
      } catch (error) {
        await client.query('ROLLBACK')
        throw new MigrationError(`Migration ${id} (${migration.name}) failed: ${(error as Error).message}`)
      }
      applied.push(id)
    }
    await ensureReactiveExtension(client, log)
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {})
    await client.end()
  }
  return applied
}

/**
 * pg_reactive is not a versioned migration: it is created when the server has it and updated to
 * the installed version at every start. Without it (not installed or not preloaded) REST and auth
 * still work; live queries report it through /health.
 */
async function ensureReactiveExtension(client: pg.Client, log: (line: string) => void): Promise<void> {
  const { rows } = await client.query<{ default_version: string; installed_version: string | null }>(
    "SELECT default_version, installed_version FROM pg_available_extensions WHERE name = 'pg_reactive'",
  )
  const available = rows[0]
  if (!available) return
  try {
    if (available.installed_version === null) {
      await client.query('CREATE EXTENSION pg_reactive')
    } else if (available.installed_version !== available.default_version) {
      await client.query('ALTER EXTENSION pg_reactive UPDATE')
    }
  } catch (error) {
    log(`pg_reactive is installed but could not be enabled: ${(error as Error).message}`)
  }
}
