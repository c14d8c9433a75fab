// The hub's only caller of pg_reactive's SQL API, through the shared pool as `authenticator`.
// Connection errors (PostgreSQL restarting, a terminated backend) are retried with backoff;
// every other error is the caller's to render.
import type pg from 'pg'
import { isTransient } from './errors.ts'
import { exactJson } from './params.ts'

export interface PgrSubscription {
  subscriptionId: string
  feedId: string
  seq: number
  key: string[] | null
  snapshot: PgrSnapshot
}

/** The rows of a feed at a sequence, as the protocol's snapshot `rows`: PostgreSQL's JSON text. */
export interface PgrSnapshot {
  seq: number
  /** Row count. */
  size: number
  /** `[{"key": …, "row": …}, …]` in the query's order, each row its json text, from pgr.snapshot(). */
  entries: string
}

export interface PgrDelta {
  seq: number
  /** The feed's row count after it; null for deltas pg_reactive 0.1 logged. */
  size: number | null
  /** PostgreSQL's JSON text of the positioned ops. */
  ops: string
}

/**
 * `holder` is the pid of the session that holds a subscription (the hub's LISTEN connection;
 * null: the pool connection that makes the call). pg_reactive keeps a subscription while that
 * session lives, and a while after, for a restarted hub to take over.
 */
export interface PgrClient {
  subscribe(name: string, params: unknown[], role: string, claims: Record<string, unknown>, holder: number | null): Promise<PgrSubscription>
  /** An ad hoc live query (pgr.subscribe_sql): a query-builder subscription compiled by rest. */
  subscribeSql(sql: string, params: unknown[], role: string, claims: Record<string, unknown>, key: string[] | null, holder: number | null): Promise<PgrSubscription>
  /** Moves subscriptions to the holder's session (after the LISTEN connection came back); the ids still there. */
  hold(subscriptionIds: string[], holder: number | null): Promise<string[]>
  changes(subscriptionId: string, afterSeq: number): Promise<PgrDelta[]>
  /** The feed's stored rows and their sequence, which may be ahead of the deltas the hub has seen. */
  resync(subscriptionId: string): Promise<PgrSnapshot>
  /** When the PostgreSQL server started: a change means it restarted (and may have lost commits). */
  serverStartedAt(): Promise<string>
  /** The feed's sequence in PostgreSQL, or null when the subscription is gone. */
  sequence(subscriptionId: string): Promise<number | null>
  unsubscribe(subscriptionId: string): Promise<void>
}

const RETRIES = 6
const SUBSCRIBE_RACES = ['42710', '23505']

async function withRetry<T>(run: () => Promise<T>, alsoRetry: readonly string[] = []): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run()
    } catch (error) {
      const code = (error as { code?: string }).code ?? ''
      if (attempt >= RETRIES || !(isTransient(error) || alsoRetry.includes(code))) throw error
      await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 50 * 2 ** attempt)))
    }
  }
}

/**
 * What the hub reads of a subscribe: the rows as text with their names (pgr.snapshot: each row
 * its json text, in the query's column order), never parsed.
 */
const SUBSCRIBED = 's.subscription_id, s.feed_id, n.seq, s.key, n.size, n.entries'
const SNAPSHOT = 'CROSS JOIN LATERAL pgr.snapshot(s.subscription_id) n'

interface SubscribeRow {
  subscription_id: string
  feed_id: string
  seq: string
  key: string[] | null
  size: number
  entries: string
}

function subscription(r: SubscribeRow): PgrSubscription {
  const seq = Number(r.seq)
  return { subscriptionId: r.subscription_id, feedId: r.feed_id, seq, key: r.key, snapshot: { seq, size: r.size, entries: r.entries } }
}

export function createPgrClient(pool: pg.Pool): PgrClient {
  const query = <R extends pg.QueryResultRow>(text: string, values: unknown[], alsoRetry: readonly string[] = []) =>
    withRetry(() => pool.query<R>(text, values), alsoRetry)
  return {
    async subscribe(name, params, role, claims, holder) {
      const { rows } = await query<SubscribeRow>(
        `SELECT ${SUBSCRIBED} FROM pgr.subscribe($1, $2::jsonb, $3, $4::jsonb, $5) s ${SNAPSHOT}`,
        [name, exactJson(params), role, JSON.stringify(claims), holder],
        // Two first subscribes on one table race to install its capture trigger in pg_reactive
        // 0.1 (duplicate_object / unique_violation); the loser's retry finds it installed.
        SUBSCRIBE_RACES,
      )
      return subscription(rows[0]!)
    },
    async subscribeSql(sql, params, role, claims, key, holder) {
      const { rows } = await query<SubscribeRow>(
        `SELECT ${SUBSCRIBED} FROM pgr.subscribe_sql($1, $2::jsonb, $3, $4::jsonb, NULL, $5::text[], NULL, $6) s ${SNAPSHOT}`,
        [sql, exactJson(params), role, JSON.stringify(claims), key, holder],
        SUBSCRIBE_RACES,
      )
      return subscription(rows[0]!)
    },
    async hold(subscriptionIds, holder) {
      const { rows } = await query<{ id: string }>('SELECT id FROM pgr.hold($1::bigint[], $2) id', [subscriptionIds, holder])
      return rows.map((r) => r.id)
    },
    async changes(subscriptionId, afterSeq) {
      // ops as text: node-postgres would JSON.parse a jsonb column, and lose digits
      const { rows } = await query<{ seq: string; size: number | null; ops: string }>(
        'SELECT seq, size, ops::text AS ops FROM pgr.changes($1, $2) ORDER BY seq',
        [subscriptionId, afterSeq],
      )
      return rows.map((r) => ({ seq: Number(r.seq), size: r.size, ops: r.ops }))
    },
    async resync(subscriptionId) {
      const { rows } = await query<{ seq: string; size: number; entries: string }>(
        'SELECT seq, size, entries FROM pgr.snapshot($1)',
        [subscriptionId],
      )
      const r = rows[0]!
      return { seq: Number(r.seq), size: r.size, entries: r.entries }
    },
    async serverStartedAt() {
      const { rows } = await query<{ t: string }>('SELECT pg_postmaster_start_time()::text AS t', [])
      return rows[0]!.t
    },
    async sequence(subscriptionId) {
      const { rows } = await query<{ seq: string }>('SELECT seq FROM pgr.subscriptions WHERE id = $1', [subscriptionId])
      return rows[0] ? Number(rows[0].seq) : null
    },
    async unsubscribe(subscriptionId) {
      await query('SELECT pgr.unsubscribe($1)', [subscriptionId])
    },
  }
}
