// `replay --verify`: the rows rebuilt from a feed's base plus every delta must equal its stored
// rows and a fresh SELECT of the live query, run as the feed's role with its claims and
// parameters. Compared by PostgreSQL, as text (every digit) and as a multiset (order apart).
import type pg from 'pg'
import type { FeedInfo, History } from './history.ts'

export interface Verdict {
  ok: boolean
  /** The rebuilt rows, if the history reached back to a base. */
  rebuilt: string | null
  fresh: string
  problems: string[]
  /** What could not be checked, and why. */
  notes: string[]
  /** Rows in one list and not in the other (PostgreSQL's JSON text of each). */
  missing: string[]
  extra: string[]
  /** Same rows, another order: a tie or a query without a total ORDER BY. */
  orderOnly: boolean
}

/** The live query's rows now, evaluated as the feed's role with its claims and parameters. */
export async function freshRows(client: pg.Client, feed: FeedInfo): Promise<string> {
  await client.query('BEGIN READ ONLY')
  try {
    await client.query(
      `SELECT set_config('search_path', $1, true), set_config('request.jwt.claims', $2, true), set_config('role', $3, true)`,
      [feed.searchPath, JSON.stringify(feed.claims), feed.role],
    )
    const types = feed.paramTypes.length ? `(${feed.paramTypes.join(', ')})` : ''
    await client.query(`PREPARE pgstack_verify${types} AS SELECT coalesce(jsonb_agg(to_jsonb(q)), '[]')::text AS rows FROM (${feed.sql}) q`)
    // each parameter as pg_reactive passes it: a string as the type's text input, the rest as JSON text
    const { rows: literals } = await client.query<{ list: string | null }>(
      `SELECT string_agg(quote_nullable(CASE jsonb_typeof(e) WHEN 'string' THEN e #>> '{}' WHEN 'null' THEN NULL ELSE e::text END), ', ' ORDER BY i) AS list
         FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY p(e, i)`,
      [JSON.stringify(feed.params)],
    )
    const { rows } = await client.query<{ rows: string }>(`EXECUTE pgstack_verify${literals[0]!.list ? `(${literals[0]!.list})` : ''}`)
    return rows[0]!.rows
  } finally {
    await client.query('ROLLBACK')
    await client.query('DEALLOCATE pgstack_verify').catch(() => {})
  }
}

interface Comparison {
  exact: boolean
  same_multiset: boolean
  missing: string[]
  extra: string[]
}

/** a against b: exact text, and as multisets of row text (what b has that a lacks: missing). */
async function compare(client: pg.Client, a: string, b: string): Promise<Comparison> {
  const { rows } = await client.query<Comparison>(
    `WITH x AS (SELECT e::text AS r FROM jsonb_array_elements($1::jsonb) e),
          y AS (SELECT e::text AS r FROM jsonb_array_elements($2::jsonb) e)
     SELECT $1::jsonb::text = $2::jsonb::text AS exact,
            NOT EXISTS (SELECT r FROM x EXCEPT ALL SELECT r FROM y) AND NOT EXISTS (SELECT r FROM y EXCEPT ALL SELECT r FROM x) AS same_multiset,
            array(SELECT r FROM y EXCEPT ALL SELECT r FROM x) AS missing,
            array(SELECT r FROM x EXCEPT ALL SELECT r FROM y) AS extra`,
    [a, b],
  )
  return rows[0]!
}

export async function verify(client: pg.Client, history: History): Promise<Verdict> {
  const fresh = await freshRows(client, history.feed)
  const rebuilt = history.base ? (history.steps.at(-1)?.rows ?? history.base.rows) : null
  const problems: string[] = []
  const notes: string[] = []
  let missing: string[] = []
  let extra: string[] = []
  let orderOnly = false
  if (rebuilt !== null) {
    const vsStored = await compare(client, rebuilt, history.stored)
    if (!vsStored.exact) problems.push(`the rows rebuilt from the base (seq ${history.base!.seq}) and ${history.steps.length} deltas differ from the feed's stored rows at seq ${history.feed.seq}`)
  } else {
    notes.push(`feed ${history.feed.id} has no base snapshot (made before pg_reactive kept them): only its stored rows were compared`)
  }
  const subject = rebuilt ?? history.stored
  const vsFresh = await compare(client, subject, fresh)
  if (!vsFresh.same_multiset) {
    problems.push(`${rebuilt !== null ? 'the rebuilt rows' : 'the stored rows'} differ from a fresh SELECT`)
    missing = vsFresh.missing
    extra = vsFresh.extra
  } else if (!vsFresh.exact) {
    orderOnly = true
  }
  if (orderOnly) notes.push('a fresh SELECT returns the same rows in another order (ties, or no total ORDER BY)')
  return { ok: problems.length === 0, rebuilt, fresh, problems, notes, missing, extra, orderOnly }
}
