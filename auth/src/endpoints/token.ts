// POST /token?grant_type=password|refresh_token|pkce. Password checks run outside any transaction
// (hashing must not hold a pooled connection); refresh rotation locks the presented token's row,
// so concurrent refreshes of one token serialise and all get the same child back.
import { audit, actorOf, auditPayload } from '../audit.ts'
import type { AuthContext } from '../context.ts'
import { issuer } from '../context.ts'
import { CommitThenThrow, inTransaction, inTransactionCommitting } from '../db.ts'
import { ApiError } from '@pgstack/common'
import { badRequest } from '../errors.ts'
import { clientIp, json, queryParams, readBody, stringField, type AuthRequest, type AuthResponse } from '../http.ts'
import { checkPasswordStrength, hashPassword, verifyPassword } from '../passwords.ts'
import { exchangeAuthCode } from '../pkce.ts'
import { enforceLimits, emailHit, ipHit } from '../rate-limit.ts'
import {
  deriveChildToken,
  hashToken,
  newRefreshToken,
  sessionResponse,
  startSession,
  type ClientInfo,
  type SessionRow,
} from '../sessions.ts'
import { findUserByEmail, findUserById, findUserByPhone, isBanned } from '../users.ts'

export async function token(ctx: AuthContext, request: AuthRequest): Promise<AuthResponse> {
  const grantType = queryParams(request).get('grant_type')
  const body = readBody(request)
  const ip = clientIp(request, ctx.config.trustForwardedFor)
  const client: ClientInfo = { ip, userAgent: request.headers['user-agent'] }
  switch (grantType) {
    case 'password':
      return passwordGrant(ctx, request, body, client)
    case 'refresh_token':
      return refreshGrant(ctx, request, body, client)
    case 'pkce':
      return pkceGrant(ctx, request, body, client)
    default:
      throw badRequest('validation_failed', 'unsupported_grant_type')
  }
}

const invalidCredentials = () => badRequest('invalid_credentials', 'Invalid login credentials')

async function passwordGrant(ctx: AuthContext, request: AuthRequest, body: Record<string, unknown>, client: ClientInfo) {
  const { config } = ctx
  const email = stringField(body, 'email')?.trim().toLowerCase()
  const phone = stringField(body, 'phone')?.trim()
  const password = stringField(body, 'password') ?? ''
  if (!email && !phone) throw badRequest('validation_failed', 'missing email or phone')
  await enforceLimits(ctx.pool, [
    ipHit('sign_in', client.ip, config.rateLimits.signIn),
    emailHit('sign_in', email ?? phone!, config.rateLimits.signIn),
  ])
  const user = await inTransaction(ctx.pool, (db) => (email ? findUserByEmail(db, email) : findUserByPhone(db, phone!)))
  // Hash even for unknown users, so response time does not reveal which addresses exist.
  const check = await verifyPassword(password, user?.encrypted_password ?? null, config.scryptLogN)
  if (!user || !check.ok || !password) throw invalidCredentials()
  if (isBanned(user)) throw badRequest('user_banned', 'User is banned')
  if (email && !user.email_confirmed_at) throw badRequest('email_not_confirmed', 'Email not confirmed')
  const rehashed = check.needsRehash ? await hashPassword(password, config.scryptLogN) : undefined

  const response = await inTransaction(ctx.pool, async (db) => {
    if (rehashed) {
      await db.query(`UPDATE auth.users SET encrypted_password = $2, updated_at = now() WHERE id = $1`, [user.id, rehashed])
    }
    const { session, refreshToken } = await startSession(db, user, 'password', client)
    await audit(db, client.ip, actorOf(user), 'login', { provider: email ? 'email' : 'phone' })
    return sessionResponse(ctx, issuer(ctx, request), user, session, refreshToken)
  })
  // As GoTrue: a password that no longer passes the current rules is reported, not refused.
  const weak = weakPassword(password, config)
  return json(200, weak ? { ...response, weak_password: weak } : response)
}

function weakPassword(password: string, config: AuthContext['config']): { reasons: string[]; message: string } | undefined {
  try {
    checkPasswordStrength(password, config.passwordMinLength, config.passwordRequiredCharacters)
    return undefined
  } catch (error) {
    if (!(error instanceof ApiError)) throw error
    return { reasons: Array.isArray(error.details) ? (error.details as string[]) : [], message: error.message }
  }
}

interface PresentedToken {
  id: string
  token: string
  revoked: boolean
  session_id: string | null
  reusable: boolean
  user_id: string | null
  aal: string
  amr: SessionRow['amr']
  ended: boolean
}

async function refreshGrant(ctx: AuthContext, request: AuthRequest, body: Record<string, unknown>, client: ClientInfo) {
  const { config } = ctx
  const presented = stringField(body, 'refresh_token')
  const notFound = () => badRequest('refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found')
  if (!presented) throw notFound()
  await enforceLimits(ctx.pool, [ipHit('token_refresh', client.ip, config.rateLimits.tokenRefresh)])
  const child = deriveChildToken(ctx.keys.secret, presented)

  const response = await inTransactionCommitting(ctx.pool, async (db) => {
    // The row lock serialises concurrent refreshes of this token; the ones that waited see it revoked.
    const { rows } = await db.query<PresentedToken>(
      `SELECT rt.id, rt.token, rt.revoked, rt.session_id, rt.updated_at > now() - make_interval(secs => $2) AS reusable,
              s.user_id, s.aal, s.amr,
              coalesce(s.not_after < now(), false)
                OR ($3 > 0 AND s.created_at < now() - make_interval(secs => $3))
                OR ($4 > 0 AND coalesce(s.refreshed_at, s.created_at) < now() - make_interval(secs => $4)) AS ended
       FROM auth.refresh_tokens rt LEFT JOIN auth.sessions s ON s.id = rt.session_id
       WHERE rt.token = $1 FOR UPDATE OF rt`,
      [hashToken(presented), config.refreshTokenReuseInterval, config.sessionTimebox, config.sessionInactivityTimeout],
    )
    const row = rows[0]
    if (!row || !row.session_id || !row.user_id) throw notFound()
    if (row.ended) throw badRequest('session_expired', 'Invalid Refresh Token: Session Expired')
    const session: SessionRow = { id: row.session_id, user_id: row.user_id, aal: row.aal, amr: row.amr }
    const user = await findUserById(db, row.user_id)
    if (!user) throw notFound()
    if (isBanned(user)) throw badRequest('user_banned', 'Invalid Refresh Token: User Banned')

    let issued = child
    let insertChild = !row.revoked
    if (row.revoked) {
      // A new statement, so a new snapshot: it sees the child a concurrent rotation just committed.
      const { rowCount: childIsActive } = await db.query(
        `SELECT 1 FROM auth.refresh_tokens WHERE token = $1 AND session_id = $2 AND revoked = false`,
        [hashToken(child), row.session_id],
      )
      if (childIsActive) {
        // The client lost the response of its rotation (or another tab won the race): same child again.
      } else if (row.reusable) {
        issued = newRefreshToken()
        insertChild = true
      } else {
        // A revoked token used again past the reuse interval: assume theft and end the whole family.
        await db.query(`UPDATE auth.refresh_tokens SET revoked = true, updated_at = now() WHERE session_id = $1`, [row.session_id])
        await audit(db, client.ip, actorOf(user), 'token_revoked', { reason: 'refresh_token_reuse', session_id: row.session_id })
        throw new CommitThenThrow(badRequest('refresh_token_already_used', 'Invalid Refresh Token: Already Used'))
      }
    }
    // All writes of a rotation in one statement (one round trip).
    await db.query(
      `WITH revoke AS (
         UPDATE auth.refresh_tokens SET revoked = true, updated_at = now() WHERE id = $1 AND NOT revoked
       ), child AS (
         INSERT INTO auth.refresh_tokens (token, user_id, session_id, parent) SELECT $2, $3, $4, $5 WHERE $6
       ), touch AS (
         UPDATE auth.sessions SET refreshed_at = now(), updated_at = now() WHERE id = $4
       )
       INSERT INTO auth.audit_log_entries (payload, ip_address) VALUES ($7, $8)`,
      [row.id, hashToken(issued), user.id, row.session_id, row.token, insertChild, auditPayload(actorOf(user), 'token_refreshed'), client.ip.slice(0, 64)],
    )
    return sessionResponse(ctx, issuer(ctx, request), user, session, issued)
  })
  return json(200, response)
}

async function pkceGrant(ctx: AuthContext, request: AuthRequest, body: Record<string, unknown>, client: ClientInfo) {
  const authCode = stringField(body, 'auth_code')
  const verifier = stringField(body, 'code_verifier')
  if (!authCode || !verifier) {
    throw badRequest('validation_failed', 'invalid request: both auth code and code verifier should be non-empty')
  }
  const response = await inTransaction(ctx.pool, async (db) => {
    const flow = await exchangeAuthCode(db, authCode, verifier)
    const user = await findUserById(db, flow.userId)
    if (!user) throw badRequest('user_not_found', 'User not found')
    if (isBanned(user)) throw badRequest('user_banned', 'User is banned')
    const { session, refreshToken } = await startSession(db, user, flow.authenticationMethod, client)
    await audit(db, client.ip, actorOf(user), 'login', { provider_type: 'email', authentication_method: flow.authenticationMethod })
    return sessionResponse(ctx, issuer(ctx, request), user, session, refreshToken)
  })
  return json(200, response)
}
