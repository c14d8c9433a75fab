// Fixed-window rate limits kept in auth.rate_limits, answered with GoTrue's 429. Each hit is its own
// autocommitted statement (auth.rate_limit_hit), never part of a request's transaction.
import type pg from 'pg'
import { tooManyRequests } from './errors.ts'

const FIVE_MINUTES = 300

export type LimitedAction = 'sign_in' | 'token_refresh' | 'verify' | 'otp'

export interface Hit {
  key: string
  limit: number
  windowSeconds: number
}

export function ipHit(action: LimitedAction, ip: string, limit: number): Hit {
  return { key: `${action}:ip:${ip}`, limit, windowSeconds: FIVE_MINUTES }
}

export function emailHit(action: LimitedAction, email: string, limit: number): Hit {
  return { key: `${action}:email:${email.toLowerCase()}`, limit, windowSeconds: FIVE_MINUTES }
}

/** Counts every hit (limit 0 means off) and throws 429 over_request_rate_limit past any limit. */
export async function enforceLimits(pool: pg.Pool, hits: Hit[]): Promise<void> {
  const active = hits.filter((hit) => hit.limit > 0)
  if (!active.length) return
  const counts = await countHits(pool, active)
  if (active.some((hit, i) => counts[i]! > hit.limit)) {
    throw tooManyRequests('over_request_rate_limit', 'Request rate limit reached')
  }
}

/** GoTrue's two email limits: a minimum interval per address and a count per hour. */
export async function enforceEmailLimits(
  pool: pg.Pool,
  email: string,
  limits: { emailSent: number; emailInterval: number },
): Promise<void> {
  const address = email.toLowerCase()
  if (limits.emailInterval > 0) {
    const [count] = await countHits(pool, [{ key: `mail_interval:${address}`, limit: 1, windowSeconds: limits.emailInterval }])
    if (count! > 1) {
      throw tooManyRequests(
        'over_email_send_rate_limit',
        `For security purposes, you can only request this after ${limits.emailInterval} seconds.`,
      )
    }
  }
  if (limits.emailSent > 0) {
    const [count] = await countHits(pool, [{ key: `mail_hour:${address}`, limit: limits.emailSent, windowSeconds: 3600 }])
    if (count! > limits.emailSent) throw tooManyRequests('over_email_send_rate_limit', 'Email rate limit exceeded')
  }
}

async function countHits(pool: pg.Pool, hits: Hit[]): Promise<number[]> {
  const columns = hits.map((_, i) => `auth.rate_limit_hit($${2 * i + 1}, $${2 * i + 2}) AS h${i}`)
  const { rows } = await pool.query<Record<string, number>>(
    `SELECT ${columns.join(', ')}`,
    hits.flatMap((hit) => [hit.key, hit.windowSeconds]),
  )
  return hits.map((_, i) => rows[0]![`h${i}`]!)
}
