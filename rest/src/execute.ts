// The only code that talks to PostgreSQL for a request: one transaction that first switches to
// the JWT's role and publishes the request (claims, method, path, headers) as settings, then runs
// the one statement through a cursor. Small results are read whole and the connection released at
// once; large ones stream batch by batch, holding the connection until the last row is sent.
import { createHash } from 'node:crypto'
import type pg from 'pg'
import Cursor from 'pg-cursor'
import type { VerifiedToken } from '@pgstack/common'
import { Pipeline } from './pipeline.ts'
import { send } from './scheduler.ts'
import type { BatchTransaction } from './batch.ts'
import type { BuiltQuery } from './sql/build-statement.ts'

const BATCH = 500

const SETTINGS = [
  "set_config('role', $1, true)",
  "set_config('request.jwt.claims', $2, true)",
  "set_config('request.method', $3, true)",
  "set_config('request.path', $4, true)",
  "set_config('request.headers', $5, true)",
  "set_config('request.cookies', $6, true)",
]
// num_nulls evaluates every argument and answers one small integer: the claims and headers just
// set are not sent back to us.
const SETTINGS_SQL = `SELECT num_nulls(${SETTINGS.join(', ')})`
const SETTINGS_RO_SQL = `SELECT num_nulls(${[...SETTINGS, "set_config('transaction_read_only', 'on', true)"].join(', ')})`

export interface ExecuteOptions {
  auth: VerifiedToken
  method: string
  path: string
  headers: Record<string, string>
  readOnly: boolean
  rollback: boolean
  /** Runs on the first batch, inside the transaction: throw to roll back and answer an error. */
  inspect?: (page: number, total: number | null) => void
  /** Allow streaming (reads); writes are read whole so that they commit before any byte is sent. */
  stream: boolean
  /**
   * The result is known to be small and nothing must be checked before commit: settings and
   * statement go in one batch, one round trip, in the batch's implicit transaction.
   */
  pipelined: boolean
  /** Read `response.headers` / `response.status`, which functions may set (RPC). */
  responseGucs: boolean
  /** `Prefer: timezone=`: the transaction's TimeZone (a name the database knows). */
  timezone?: string
}

const TIMEZONE_SQL = "SELECT set_config('timezone', $1, true)"

const GUCS_SQL = "SELECT current_setting('response.headers', true), current_setting('response.status', true)"

export interface ExecuteResult {
  total: number | null
  page: number
  rows: string[]
  /** Further batches when the result did not fit in the first one. */
  more?: AsyncIterable<string[]>
  /** `response.headers` and `response.status` as the statement left them. */
  gucs?: { headers: string | null; status: string | null }
}

type Row = [string | null, string | null, string | null]

const toNumber = (v: string | null | undefined): number | null => (v === null || v === undefined ? null : Number(v))

/**
 * The page size: the statement's pgrst_page, or, for a statement built to be read whole with no
 * total (pgrst_page NULL, see build-statement.ts), its number of rows.
 */
const pageSize = (rows: Row[]): number => {
  const head = rows[0]
  if (!head) return 0
  return head[1] === null ? rows.length : Number(head[1])
}

const names = new Map<string, string>()
function statementName(text: string): string {
  let name = names.get(text)
  if (name === undefined) {
    name = `pgrst_${createHash('sha1').update(text).digest('base64url').slice(0, 20)}`
    if (names.size >= 1000) names.delete(names.keys().next().value!)
    names.set(text, name)
  }
  return name
}

function settingsValues(options: ExecuteOptions): unknown[] {
  return requestSettings(options.auth, options.method, options.path, options.headers)
}

const NO_COOKIES = '{}'

/** The values of the settings statement: role, claims, method, path, headers and cookies. */
function requestSettings(auth: VerifiedToken, method: string, path: string, headers: Record<string, string>): unknown[] {
  return [auth.role, auth.claimsJson, method, path, JSON.stringify(headers), headers.cookie === undefined ? NO_COOKIES : cookiesJson(headers.cookie)]
}

/** `a=1; b=2` → {"a":"1","b":"2"} (request.cookies, as PostgREST sets it). */
function cookiesJson(header: string): string {
  const cookies: Record<string, string> = {}
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq <= 0) continue
    const name = part.slice(0, eq).trim()
    if (name && !(name in cookies)) cookies[name] = part.slice(eq + 1).trim()
  }
  return JSON.stringify(cookies)
}

async function executePipelined(pool: pg.Pool, query: BuiltQuery, options: ExecuteOptions): Promise<ExecuteResult> {
  const pipeline = new Pipeline([
    { name: options.readOnly ? 'pgrst_settings_ro' : 'pgrst_settings', text: options.readOnly ? SETTINGS_RO_SQL : SETTINGS_SQL, values: settingsValues(options) },
    ...(options.timezone !== undefined ? [{ name: 'pgrst_timezone', text: TIMEZONE_SQL, values: [options.timezone] }] : []),
    { name: statementName(query.text), text: query.text, values: query.values },
    ...(options.responseGucs ? [{ name: 'pgrst_gucs', text: GUCS_SQL, values: [] }] : []),
  ])
  // Only reads share a connection: a function or a write may wait (on a lock, or for long).
  send(pool, pipeline, options.readOnly && !options.responseGucs)
  const results = await pipeline.done
  const at = options.timezone !== undefined ? 2 : 1
  const rows = (results[at] ?? []) as Row[]
  const head = rows[0]
  const page = pageSize(rows)
  const total = toNumber(head?.[0])
  options.inspect?.(page, total)
  const out: string[] = []
  for (const r of rows) if (r[2] !== null && r[2] !== undefined) out.push(r[2])
  const result: ExecuteResult = { total, page, rows: out }
  const gucs = results[at + 1]?.[0]
  if (gucs) result.gucs = { headers: gucs[0] ?? null, status: gucs[1] ?? null }
  return result
}

// Not itself async: an async function returning another's promise costs the caller extra turns
// of the microtask queue, on every small read.
export function execute(pool: pg.Pool, query: BuiltQuery, options: ExecuteOptions): Promise<ExecuteResult> {
  if (options.pipelined && !query.countStatement && !options.rollback) return executePipelined(pool, query, options)
  return executeInTransaction(pool, query, options)
}

/** BEGIN, settings, the statement through a cursor (streamed when large), COMMIT or ROLLBACK. */
async function executeInTransaction(pool: pg.Pool, query: BuiltQuery, options: ExecuteOptions): Promise<ExecuteResult> {
  const client = await pool.connect()
  let released = false
  const release = (error?: Error) => {
    if (released) return
    released = true
    client.release(error)
  }
  let cursor: Cursor<Row> | undefined
  const finish = async (ok: boolean) => {
    await cursor?.close()
    cursor = undefined
    await client.query(ok && !options.rollback ? 'COMMIT' : 'ROLLBACK')
    release()
  }
  try {
    await client.query(options.readOnly ? 'BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY' : 'BEGIN')
    await client.query(SETTINGS_SQL, settingsValues(options))
    if (options.timezone !== undefined) await client.query(TIMEZONE_SQL, [options.timezone])
    const values = await withPlannedCount(client, query)
    cursor = client.query(new Cursor<Row>(query.text, values, { rowMode: 'array' }))
    const first = await cursor.read(BATCH)
    const head = first[0]
    // A statement built to be read whole never comes here (prepare.ts sends it pipelined).
    if (head && head[1] === null) throw new Error('a statement built to be read whole was read through a cursor')
    const page = pageSize(first)
    const total = toNumber(head?.[0])
    options.inspect?.(page, total)
    const rows = bodies(first)
    if (first.length < BATCH) {
      await cursor.close()
      cursor = undefined
      const result: ExecuteResult = { total, page, rows }
      if (options.responseGucs) {
        const g = await client.query<[string | null, string | null]>({ text: GUCS_SQL, rowMode: 'array' })
        result.gucs = { headers: g.rows[0]?.[0] ?? null, status: g.rows[0]?.[1] ?? null }
      }
      await finish(true)
      return result
    }
    if (!options.stream) {
      for (;;) {
        const batch = await cursor.read(BATCH)
        rows.push(...bodies(batch))
        if (batch.length < BATCH) break
      }
      await finish(true)
      return { total, page, rows }
    }
    const open = cursor
    const more = (async function* () {
      let done = false
      try {
        for (;;) {
          const batch = await open.read(BATCH)
          if (batch.length) yield bodies(batch)
          if (batch.length < BATCH) break
        }
        done = true
        await finish(true)
      } finally {
        if (!done) await finish(false).catch((error: Error) => release(error))
      }
    })()
    return { total, page, rows, more }
  } catch (error) {
    try {
      await cursor?.close().catch(() => {})
      cursor = undefined
      await client.query('ROLLBACK')
      release()
    } catch (rollbackError) {
      release(rollbackError as Error)
    }
    throw error
  }
}

/** The statement's values, with the planner's row estimate bound for count=planned/estimated. */
async function withPlannedCount(client: pg.ClientBase, query: BuiltQuery): Promise<unknown[]> {
  const values = [...query.values]
  if (query.countStatement && query.plannedParam !== undefined) {
    const explain = await client.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(
      `EXPLAIN (FORMAT JSON) ${query.countStatement.text}`,
      query.countStatement.values,
    )
    values[query.plannedParam] = explain.rows[0]?.['QUERY PLAN'][0].Plan['Plan Rows'] ?? 0
  }
  return values
}

export interface BatchOptions {
  auth: VerifiedToken
  headers: Record<string, string>
  rollback: boolean
}

/**
 * One transaction for a batch of operations on one connection: `body` runs the steps through
 * `tx.run`, in order; it commits when `body` resolves (rolls back under tx=rollback) and rolls
 * back when it throws. Each step sets the request settings for its own method and path.
 */
export async function inTransaction<T>(pool: pg.Pool, options: BatchOptions, body: (tx: BatchTransaction) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    await client.query('BEGIN')
    const tx: BatchTransaction = {
      async run(step) {
        await client.query(SETTINGS_SQL, requestSettings(options.auth, step.method, step.path, options.headers))
        if (step.timezone !== undefined) await client.query(TIMEZONE_SQL, [step.timezone])
        if (step.responseGucs) await client.query("SELECT set_config('response.headers', '', true), set_config('response.status', '', true)")
        const result = await client.query<Row>({ text: step.query.text, values: await withPlannedCount(client, step.query), rowMode: 'array' })
        const out: ExecuteResult = { total: toNumber(result.rows[0]?.[0]), page: pageSize(result.rows), rows: bodies(result.rows) }
        if (step.responseGucs) {
          const g = await client.query<[string | null, string | null]>({ text: GUCS_SQL, rowMode: 'array' })
          out.gucs = { headers: g.rows[0]?.[0] || null, status: g.rows[0]?.[1] || null }
        }
        return out
      },
    }
    const result = await body(tx)
    await client.query(options.rollback ? 'ROLLBACK' : 'COMMIT')
    return result
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError))
    throw error
  } finally {
    client.release(broken)
  }
}

function bodies(rows: Row[]): string[] {
  const out: string[] = []
  for (const r of rows) if (r[2] !== null) out.push(r[2])
  return out
}
