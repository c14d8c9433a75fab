// Periodic cleanup of rows that only expire: old rate-limit windows, spent PKCE flows, expired
// one-time tokens. Owns one timer, cleared by stop().
import type pg from 'pg'
import { inTransaction } from './db.ts'

const EVERY_MS = 10 * 60 * 1000

export function startJanitor(pool: pg.Pool, otpExpirySeconds: number, log: (line: string) => void): { stop(): void } {
  const sweep = () =>
    inTransaction(pool, async (db) => {
      await db.query(`DELETE FROM auth.rate_limits WHERE window_start < now() - interval '1 day'`)
      await db.query(`DELETE FROM auth.flow_state WHERE created_at < now() - interval '1 day'`)
      await db.query(`DELETE FROM auth.one_time_tokens WHERE created_at < now() - make_interval(secs => $1)`, [otpExpirySeconds])
    }).catch((error: Error) => log(`auth: cleanup failed: ${error.message}`))
  const timer = setInterval(() => void sweep(), EVERY_MS)
  timer.unref()
  return { stop: () => clearInterval(timer) }
}
