// POST /token?grant_type=password|refresh_token|pkce. Password checks run outside any transaction
// (hashing must not hold a pooled connection); refresh rotation locks the presented token's row,
// so concurrent refreshes of one token serialise and all get the same child back.
import { audit, actorOf } from '../audit.ts'
import type { AuthContext } from '../context.ts'
import { issuer } from '../context.ts'
import { CommitThenThrow, inTransaction, inTransactionCommitting, type Db } from '../db.ts'
import { badRequest } from '../errors.ts'
import { clientIp, json, queryParams, readBody, stringField, type AuthRequest, type AuthResponse } from '../http.ts'
import { hashPassword, verifyPassword } from '../passwords.ts'
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
  return json(200, response)
}

interface PresentedToken {
  id: string
  token: string
  revoked: boolean
  session_id: string | null
  reusable: boolean
}

async function refreshGrant(ctx: AuthContext, request: AuthRequest, body: Record<string, unknown>, client: ClientInfo) {
  const { config } = ctx
  const presented = stringField(body, 'refresh_token')
  const notFound = () => badRequest('refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found')
  if (!presented) throw notFound()
  await enforceLimits(ctx.pool, [ipHit('token_refresh', client.ip, config.rateLimits.tokenRefresh)])

  const response = await inTransactionCommitting(ctx.pool, async (db) => {
    const { rows } = await db.query<PresentedToken>(
      `SELECT id, token, revoked, session_id, updated_at > now() - make_interval(secs => $2) AS reusable
       FROM auth.refresh_tokens WHERE token = $1 FOR UPDATE`,
      [hashToken(presented), config.refreshTokenReuseInterval],
    )
    const row = rows[0]
    if (!row || !row.session_id) throw notFound()
    const { rows: sessions } = await db.query<SessionRow & { ended: boolean }>(
      `SELECT id, user_id, aal, amr, coalesce(not_after < now(), false) AS ended FROM auth.sessions WHERE id = $1`,
      [row.session_id],
    )
    const session = sessions[0]
    if (!session || session.ended) throw notFound()
    const user = await findUserById(db, session.user_id)
    if (!user) throw notFound()
    if (isBanned(user)) throw badRequest('user_banned', 'Invalid Refresh Token: User Banned')

    const child = deriveChildToken(ctx.keys.secret, presented)
    let issued: string
    if (!row.revoked) {
      await db.query(`UPDATE auth.refresh_tokens SET revoked = true, updated_at = now() WHERE id = $1`, [row.id])
      await insertChild(db, child, row, user.id)
      issued = child
    } else {
      const { rowCount: childIsActive } = await db.query(
        `SELECT 1 FROM auth.refresh_tokens WHERE token = $1 AND session_id = $2 AND revoked = false`,
        [hashToken(child), row.session_id],
      )
      if (childIsActive) {
        // The client lost the response of its rotation (or another tab won the race): same child again.
        issued = child
      } else if (row.reusable) {
        issued = newRefreshToken()
        await insertChild(db, issued, row, user.id)
      } else {
        // A revoked token used again past the reuse interval: assume theft and end the whole family.
        await db.query(`UPDATE auth.refresh_tokens SET revoked = true, updated_at = now() WHERE session_id = $1`, [row.session_id])
        await audit(db, client.ip, actorOf(user), 'token_revoked', { reason: 'refresh_token_reuse', session_id: row.session_id })
        throw new CommitThenThrow(badRequest('refresh_token_already_used', 'Invalid Refresh Token: Already Used'))
      }
    }
    await db.query(`UPDATE auth.sessions SET refreshed_at = now(), updated_at = now() WHERE id = $1`, [session.id])
    await audit(db, client.ip, actorOf(user), 'token_refreshed')
    return sessionResponse(ctx, issuer(ctx, request), user, session, issued)
  })
  return json(200, response)
}

async function insertChild(db: Db, child: string, parent: PresentedToken, userId: string) {
  await db.query(`INSERT INTO auth.refresh_tokens (token, user_id, session_id, parent) VALUES ($1, $2, $3, $4)`, [
    hashToken(child),
    userId,
    parent.session_id,
    parent.token,
  ])
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
