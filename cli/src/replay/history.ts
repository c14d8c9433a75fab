// A feed's delta history read from pg_reactive's catalog: its base (the rows at the oldest
// sequence the log reaches, pgr.feed_base), every delta after it (pgr.delta_log), and the rows
// after each step — applied by PostgreSQL (pgr.apply), so rows stay PostgreSQL's own text.
import type pg from 'pg'
import { CliError } from '../errors.ts'

export interface FeedFilter {
  params?: unknown[]
  role?: string
  claims?: Record<string, unknown>
  feed?: number
}

export interface FeedInfo {
  id: number
  query: string
  sql: string
  paramTypes: string[]
  searchPath: string
  key: string[] | null
  params: unknown[]
  role: string
  claims: Record<string, unknown>
  /** The feed's current sequence and its stored rows at it. */
  seq: number
}

export interface Step {
  seq: number
  createdAt: string
  /** pg_reactive's ops, as PostgreSQL's JSON text. */
  ops: string
  /** The rows after this step, as PostgreSQL's JSON text. */
  rows: string
  count: number
}

export interface History {
  feed: FeedInfo
  /** The rows the history starts from; null for a feed from before pgr.feed_base existed. */
  base: { seq: number; rows: string; count: number } | null
  steps: Step[]
  /** The feed's stored rows (pgr.feed_result) at feed.seq. */
  stored: string
}

export async function findFeeds(client: pg.Client, name: string, filter: FeedFilter): Promise<FeedInfo[]> {
  const { rows: queries } = await client.query("SELECT 1 FROM pgr.live_query WHERE name = $1", [name])
  if (!queries.length) throw new CliError(`no live query named "${name}"`, 'list them with `SELECT name FROM pgr.live_queries`, or define it in live/')
  const { rows } = await client.query<FeedInfo>(
    `SELECT x.id::int AS id, q.name AS query, q.sql, q.param_types::text[] AS "paramTypes", q.search_path AS "searchPath", q.key,
            x.params, x.role::text AS role, x.claims, x.seq::int AS seq
       FROM pgr.feed x JOIN pgr.live_query q ON q.id = x.query_id
      WHERE q.name = $1 AND ($2::jsonb IS NULL OR x.params = $2::jsonb) AND ($3::name IS NULL OR x.role = $3::name)
        AND ($4::jsonb IS NULL OR x.claims @> $4::jsonb) AND ($5::bigint IS NULL OR x.id = $5::bigint)
      ORDER BY x.id`,
    [name, filter.params ? JSON.stringify(filter.params) : null, filter.role ?? null, filter.claims ? JSON.stringify(filter.claims) : null, filter.feed ?? null],
  )
  return rows
}

/** The history of one feed, read in one snapshot so base, log and stored rows agree. */
export async function readHistory(client: pg.Client, feed: FeedInfo): Promise<History> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
  try {
    const { rows: current } = await client.query<{ seq: number; stored: string }>(
      'SELECT x.seq::int AS seq, r.result::text AS stored FROM pgr.feed x JOIN pgr.feed_result r ON r.feed_id = x.id WHERE x.id = $1',
      [feed.id],
    )
    if (!current[0]) throw new CliError(`feed ${feed.id} went away (its last subscriber left)`, 'run it again while someone is subscribed')
    // pgr.feed_base came with pg_reactive 0.2's replay support: a database from before has none
    const { rows: kept } = await client.query<{ kept: boolean }>("SELECT to_regclass('pgr.feed_base') IS NOT NULL AS kept")
    const { rows: bases } = kept[0]!.kept
      ? await client.query<{ seq: number; rows: string; count: number }>(
          'SELECT seq::int AS seq, rows::text AS rows, jsonb_array_length(rows) AS count FROM pgr.feed_base WHERE feed_id = $1',
          [feed.id],
        )
      : { rows: [] }
    const base = bases[0] ?? null
    // every step's rows in one statement: a recursive apply over the log, in sequence order
    const { rows: steps } = await client.query<Step>(
      `WITH RECURSIVE log AS (
         SELECT d.seq, d.ops, d.created_at FROM pgr.delta_log d WHERE d.feed_id = $1 AND d.seq > $2),
       walk AS (
         SELECT l.seq, l.created_at, l.ops, pgr.apply($3::jsonb, l.ops::jsonb, $4::text[]) AS rows FROM log l WHERE l.seq = $2 + 1
         UNION ALL
         SELECT l.seq, l.created_at, l.ops, pgr.apply(w.rows, l.ops::jsonb, $4::text[]) FROM walk w JOIN log l ON l.seq = w.seq + 1)
       SELECT seq::int AS seq, to_json(created_at)#>>'{}' AS "createdAt", ops::text AS ops, rows::text AS rows, jsonb_array_length(rows) AS count
         FROM walk ORDER BY seq`,
      [feed.id, base?.seq ?? 0, base?.rows ?? '[]', feed.key],
    )
    feed.seq = current[0].seq
    return { feed, base, steps: base ? steps : [], stored: current[0].stored }
  } finally {
    await client.query('ROLLBACK')
  }
}
