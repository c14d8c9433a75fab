// Which PostgreSQL a command talks to, in one place: --db-url, then PGSTACK_ADMIN_DATABASE_URL or
// DATABASE_URL (environment or .env), then the cluster a running `pgstack dev` of this folder
// started (.pgstack/stack.json). And the checks that turn a wrong one into one clear line.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { CliError, describeSystemError } from './errors.ts'
import type { Project } from './project.ts'

export interface DatabaseTarget {
  /** A connection allowed to create tables and define live queries (owner or superuser). */
  url: string
  /** Where it came from, for messages. */
  source: string
}

export function findDatabase(project: Project, flagUrl?: string): DatabaseTarget | null {
  if (flagUrl) return { url: flagUrl, source: '--db-url' }
  const { env } = project
  if (env.PGSTACK_ADMIN_DATABASE_URL) return { url: env.PGSTACK_ADMIN_DATABASE_URL, source: 'PGSTACK_ADMIN_DATABASE_URL' }
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, source: 'DATABASE_URL' }
  const stackFile = join(project.dir, '.pgstack', 'stack.json')
  if (existsSync(stackFile)) {
    try {
      const stack = JSON.parse(readFileSync(stackFile, 'utf8')) as { databaseUrl?: string }
      if (stack.databaseUrl) return { url: stack.databaseUrl, source: '`pgstack dev` (.pgstack/stack.json)' }
    } catch {
      // a half-written file: as if there were none
    }
  }
  return null
}

export function requireDatabase(project: Project, flagUrl?: string): DatabaseTarget {
  const target = findDatabase(project, flagUrl)
  if (!target) {
    throw new CliError('no database to connect to', 'set DATABASE_URL (in the environment or .env), pass --db-url, or run `pgstack dev` in this folder')
  }
  return target
}

/** A connected client, or one line saying why not (and where the URL came from). */
export async function connect(target: DatabaseTarget): Promise<pg.Client> {
  let client: pg.Client
  try {
    client = new pg.Client({ connectionString: target.url })
  } catch (error) {
    throw new CliError(`the database URL from ${target.source} is not a valid URL (${(error as Error).message})`, 'use postgres://user:password@host:5432/database')
  }
  // an idle client whose server goes away must not crash the command
  client.on('error', () => {})
  try {
    await client.connect()
  } catch (error) {
    const reason = describeSystemError(error)
    if (target.source.startsWith('`pgstack dev`')) {
      throw new CliError(`the database of \`pgstack dev\` does not answer (${reason})`, 'start `pgstack dev` in this folder, or set DATABASE_URL')
    }
    throw new CliError(`cannot connect to the database from ${target.source}: ${reason}`)
  }
  return client
}

export async function withDatabase<T>(target: DatabaseTarget, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connect(target)
  try {
    return await fn(client)
  } finally {
    await client.end().catch(() => {})
  }
}

export interface ReactiveStatus {
  installed: string | null
  available: string | null
  preloaded: boolean
}

export async function reactiveStatus(client: pg.Client): Promise<ReactiveStatus> {
  const { rows } = await client.query<{ installed: string | null; available: string | null; preload: string }>(
    `SELECT (SELECT extversion FROM pg_extension WHERE extname = 'pg_reactive') AS installed,
            (SELECT default_version FROM pg_available_extensions WHERE name = 'pg_reactive') AS available,
            current_setting('shared_preload_libraries') AS preload`,
  )
  const row = rows[0]!
  return {
    installed: row.installed,
    available: row.available,
    preloaded: row.preload.split(',').some((name) => name.trim().replace(/^"|"$/g, '') === 'pg_reactive'),
  }
}

/** Throws the one line that says what is missing for live queries, and how to add it. */
export async function requireReactive(client: pg.Client, target: DatabaseTarget): Promise<void> {
  const status = await reactiveStatus(client)
  const where = `the database from ${target.source}`
  if (!status.available && !status.installed) {
    throw new CliError(`${where} has no pg_reactive extension`, 'install it on that server (docs/installation.md: "An existing PostgreSQL") or use the db container of the compose.yml that pgstack init writes')
  }
  if (!status.preloaded) {
    throw new CliError(`${where} has pg_reactive but does not preload it`, "add pg_reactive to shared_preload_libraries in postgresql.conf and restart PostgreSQL")
  }
}
