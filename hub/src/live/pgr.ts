// The hub's only caller of pg_reactive's SQL API, through the shared pool as `authenticator`.
// Connection errors (PostgreSQL restarting, a terminated backend) are retried with backoff;
// every other error is the caller's to render.
import type pg from 'pg'
import { isTransient } from './errors.ts'
import type { PgrOp } from './rows.ts'
import type { Row } from './order.ts'

export interface PgrSubscription {
  subscriptionId: string
  feedId: string
  seq: number
  rows: Row[]
  key: string[] | null
}

export interface PgrQueryInfo {
  sql: string
  columns: string[]
}

export interface PgrDelta {
  seq: number
  ops: PgrOp[]
}

export interface PgrClient {
  lookup(name: string): Promise<PgrQueryInfo>
  subscribe(name: string, params: unknown[], role: string, claims: Record<string, unknown>): Promise<PgrSubscription>
  /** An ad hoc live query (pgr.subscribe_sql): a query-builder subscription compiled by rest. */
  subscribeSql(sql: string, params: unknown[], role: string, claims: Record<string, unknown>, key: string[] | null): Promise<PgrSubscription>
  changes(subscriptionId: string, afterSeq: number): Promise<PgrDelta[]>
  resync(subscriptionId: string): Promise<{ seq: number; rows: Row[] }>
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

export function createPgrClient(pool: pg.Pool): PgrClient {
  const query = <R extends pg.QueryResultRow>(text: string, values: unknown[], alsoRetry: readonly string[] = []) =>
    withRetry(() => pool.query<R>(text, values), alsoRetry)
  return {
    async lookup(name) {
      // The ORDER BY lives only in the SQL text; an unknown name is left to subscribe to refuse.
      const { rows } = await query<{ sql: string; columns: string[] }>('SELECT sql, columns FROM pgr.live_queries WHERE name = $1', [name])
      return { sql: rows[0]?.sql ?? '', columns: rows[0]?.columns ?? [] }
    },
    async subscribe(name, params, role, claims) {
      const { rows } = await query<{ subscription_id: string; feed_id: string; seq: string; rows: Row[]; key: string[] | null }>(
        'SELECT subscription_id, feed_id, seq, rows, key FROM pgr.subscribe($1, $2::jsonb, $3, $4::jsonb)',
        [name, JSON.stringify(params), role, JSON.stringify(claims)],
        // Two first subscribes on one table race to install its capture trigger in pg_reactive
        // 0.1 (duplicate_object / unique_violation); the loser's retry finds it installed.
        SUBSCRIBE_RACES,
      )
      const r = rows[0]!
      return { subscriptionId: r.subscription_id, feedId: r.feed_id, seq: Number(r.seq), rows: r.rows, key: r.key }
    },
    async subscribeSql(sql, params, role, claims, key) {
      const { rows } = await query<{ subscription_id: string; feed_id: string; seq: string; rows: Row[]; key: string[] | null }>(
        'SELECT subscription_id, feed_id, seq, rows, key FROM pgr.subscribe_sql($1, $2::jsonb, $3, $4::jsonb, NULL, $5::text[])',
        [sql, JSON.stringify(params), role, JSON.stringify(claims), key],
        SUBSCRIBE_RACES,
      )
      const r = rows[0]!
      return { subscriptionId: r.subscription_id, feedId: r.feed_id, seq: Number(r.seq), rows: r.rows, key: r.key }
    },
    async changes(subscriptionId, afterSeq) {
      const { rows } = await query<{ seq: string; ops: PgrOp[] }>(
        'SELECT seq, ops FROM pgr.changes($1, $2) ORDER BY seq',
        [subscriptionId, afterSeq],
      )
      return rows.map((r) => ({ seq: Number(r.seq), ops: r.ops }))
    },
    async resync(subscriptionId) {
      const { rows } = await query<{ seq: string; rows: Row[] }>('SELECT seq, rows FROM pgr.resync($1)', [subscriptionId])
      return { seq: Number(rows[0]!.seq), rows: rows[0]!.rows ?? [] }
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
