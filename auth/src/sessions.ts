// Sessions and refresh tokens. A refresh token is stored only as its sha256; rotation derives the
// child token from the parent with an HMAC, so a client that lost the rotation's response (or a
// second tab refreshing at the same moment) gets the same child back instead of a new branch.
import { createHash, createHmac, randomBytes, type KeyObject } from 'node:crypto'
import type { Db } from './db.ts'
import type { AuthContext } from './context.ts'
import type { AmrEntry } from './tokens.ts'
import { signAccessToken } from './tokens.ts'
import { userJson, type UserRow } from './users.ts'

export interface SessionRow {
  id: string
  user_id: string
  aal: string
  amr: AmrEntry[]
}

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex')

/** The child a rotation of `parent` produces; only the server's secret can compute it. */
export function deriveChildToken(secret: KeyObject, parent: string): string {
  return createHmac('sha256', secret).update(`refresh:${parent}`).digest('base64url').slice(0, 32)
}

export const newRefreshToken = () => randomBytes(24).toString('base64url')

export interface SessionResponse {
  access_token: string
  token_type: 'bearer'
  expires_in: number
  expires_at: number
  refresh_token: string
  user: Record<string, unknown>
}

export interface ClientInfo {
  ip: string
  userAgent: string | undefined
}

/** Starts a session for `user` (signed in by `method`) with its first refresh token. */
export async function startSession(
  db: Db,
  user: UserRow,
  method: string,
  client: ClientInfo,
): Promise<{ session: SessionRow; refreshToken: string }> {
  const amr: AmrEntry[] = [{ method, timestamp: Math.floor(Date.now() / 1000) }]
  const refreshToken = newRefreshToken()
  // Session, first token and last sign-in in one statement (one round trip).
  const { rows } = await db.query<SessionRow>(
    `WITH session AS (
       INSERT INTO auth.sessions (user_id, aal, amr, ip, user_agent, refreshed_at)
       VALUES ($1::uuid, 'aal1', $2, $3::inet, $4, now()) RETURNING id, user_id, aal, amr
     ), token AS (
       INSERT INTO auth.refresh_tokens (token, user_id, session_id) SELECT $5, $1::text, id FROM session
     ), signed_in AS (
       UPDATE auth.users SET last_sign_in_at = now() WHERE id = $1::uuid
     )
     SELECT * FROM session`,
    [user.id, JSON.stringify(amr), validIp(client.ip), client.userAgent ?? null, hashToken(refreshToken)],
  )
  const session = rows[0]!
  user.last_sign_in_at = new Date()
  return { session, refreshToken }
}

function validIp(ip: string): string | null {
  return /^[0-9a-fA-F:.]+$/.test(ip) ? ip : null
}

export async function sessionResponse(
  ctx: AuthContext,
  issuer: string,
  user: UserRow,
  session: SessionRow,
  refreshToken: string,
): Promise<SessionResponse> {
  const { token, expiresAt } = await signAccessToken(ctx.keys, { issuer, expiry: ctx.config.jwtExpiry }, user, session)
  return {
    access_token: token,
    token_type: 'bearer',
    expires_in: ctx.config.jwtExpiry,
    expires_at: expiresAt,
    refresh_token: refreshToken,
    user: userJson(user),
  }
}
