// POST /verify (a code or token hash → a session) and GET /verify (a mailed link → a redirect to
// the app with the session in the fragment, or ?code= for PKCE flows). Every failure is GoTrue's
// 403 otp_expired, whatever the reason, so the answer tells nothing about the token.
import { audit, actorOf } from '../audit.ts'
import type { AuthContext } from '../context.ts'
import { issuer } from '../context.ts'
import { inTransaction, type Db } from '../db.ts'
import { ApiError } from '@pgstack/common'
import { badRequest, forbidden } from '../errors.ts'
import { clientIp, json, queryParams, readBody, redirect, stringField, type AuthRequest, type AuthResponse } from '../http.ts'
import { consumeToken, findTokenByHash, findTokenByOtp, type FoundToken, type TokenType } from '../one-time-tokens.ts'
import { issueAuthCode } from '../pkce.ts'
import { emailHit, enforceLimits, ipHit } from '../rate-limit.ts'
import { pickRedirect } from '../redirect.ts'
import { sessionResponse, startSession, type ClientInfo, type SessionResponse } from '../sessions.ts'
import { applyEmailChange, PARTIAL_CONFIRMATION } from '../email-change.ts'
import { confirmEmail, findUserById, isBanned, type UserRow } from '../users.ts'
import { FLOW_METHOD, type VerificationType } from '../verification-mail.ts'

const TOKEN_TYPES: Record<VerificationType, TokenType[]> = {
  signup: ['confirmation_token'],
  invite: ['confirmation_token'],
  magiclink: ['recovery_token', 'confirmation_token'],
  recovery: ['recovery_token'],
  email: ['confirmation_token', 'recovery_token'],
  email_change: ['email_change_token_new', 'email_change_token_current'],
}

const AMR_METHOD: Record<VerificationType, string> = {
  signup: 'otp',
  invite: 'invite',
  magiclink: 'otp',
  recovery: 'recovery',
  email: 'otp',
  email_change: 'email_change',
}

const expired = () => forbidden('otp_expired', 'Token has expired or is invalid')

function verificationType(value: string | undefined | null): VerificationType {
  if (value && value in TOKEN_TYPES) return value as VerificationType
  if (value === 'sms' || value === 'phone_change') throw badRequest('phone_provider_disabled', 'Unsupported phone provider')
  throw badRequest('validation_failed', `Verify requires a verification type`)
}

interface Verified {
  user: UserRow
  pkce: boolean
  type: VerificationType
  /** One of the two links of a secure email change: recorded, nothing handed out yet. */
  partial?: boolean
}

/** Finds and consumes the token and applies what it confirms; the caller decides what to hand out. */
async function applyToken(
  ctx: AuthContext,
  db: Db,
  type: VerificationType,
  lookup: { tokenHash: string } | { address: string; otp: string },
  ip: string,
): Promise<Verified> {
  const types = TOKEN_TYPES[type]
  const expiry = ctx.config.otpExpiry
  const found: FoundToken | undefined =
    'tokenHash' in lookup
      ? await findTokenByHash(db, lookup.tokenHash, types, expiry)
      : await findTokenByOtp(db, lookup.address, lookup.otp, types, expiry)
  if (!found || found.expired) throw expired()
  const user = await findUserById(db, found.user_id, true)
  if (!user) throw expired()
  if (isBanned(user)) throw badRequest('user_banned', 'User is banned')
  await consumeToken(db, found.id)

  if (found.token_type === 'email_change_token_new' || found.token_type === 'email_change_token_current') {
    const outcome = await applyEmailChange(db, user, found)
    if (outcome === 'invalid') throw expired()
    if (outcome === 'partial') return { user, pkce: false, type, partial: true }
  } else {
    await confirmEmail(db, user.id)
  }
  const fresh = (await findUserById(db, user.id))!
  await audit(db, ip, actorOf(fresh), type === 'signup' ? 'user_signedup' : 'login', { provider: 'email', type })
  return { user: fresh, pkce: found.token_hash.startsWith('pkce_'), type }
}

async function startVerifiedSession(ctx: AuthContext, request: AuthRequest, db: Db, verified: Verified, client: ClientInfo): Promise<SessionResponse> {
  const { session, refreshToken } = await startSession(db, verified.user, AMR_METHOD[verified.type], client)
  return sessionResponse(ctx, issuer(ctx, request), verified.user, session, refreshToken)
}

export async function verifyPost(ctx: AuthContext, request: AuthRequest): Promise<AuthResponse> {
  const body = readBody(request)
  const type = verificationType(stringField(body, 'type'))
  const tokenHash = stringField(body, 'token_hash')
  const otp = stringField(body, 'token')
  const email = stringField(body, 'email')?.trim().toLowerCase()
  if (stringField(body, 'phone') && !email) throw badRequest('phone_provider_disabled', 'Unsupported phone provider')
  const ip = clientIp(request, ctx.config.trustForwardedFor)
  // Per address too: one address's code guessed from many IPs must still hit a limit.
  const hits = [ipHit('verify', ip, ctx.config.rateLimits.verify)]
  if (email) hits.push(emailHit('verify', email, ctx.config.rateLimits.verify))
  await enforceLimits(ctx.pool, hits)
  let lookup: { tokenHash: string } | { address: string; otp: string }
  if (tokenHash) lookup = { tokenHash }
  else if (otp && email) lookup = { address: email, otp }
  else if (otp) lookup = { tokenHash: otp } // a link's token posted as is (older clients)
  else throw badRequest('validation_failed', 'Verify requires either a token or a token hash')
  const client = { ip, userAgent: request.headers['user-agent'] }
  const response = await inTransaction(ctx.pool, async (db) => {
    const verified = await applyToken(ctx, db, type, lookup, ip)
    if (verified.partial) return { msg: PARTIAL_CONFIRMATION, code: 200 }
    return startVerifiedSession(ctx, request, db, verified, client)
  })
  return json(200, response)
}

export async function verifyGet(ctx: AuthContext, request: AuthRequest): Promise<AuthResponse> {
  const params = queryParams(request)
  const redirectTo = pickRedirect(params.get('redirect_to'), ctx.config.siteUrl, ctx.config.redirectUrls)
  const ip = clientIp(request, ctx.config.trustForwardedFor)
  const client = { ip, userAgent: request.headers['user-agent'] }
  try {
    const type = verificationType(params.get('type'))
    const tokenHash = params.get('token')
    if (!tokenHash) throw expired()
    await enforceLimits(ctx.pool, [ipHit('verify', ip, ctx.config.rateLimits.verify)])
    const outcome = await inTransaction(ctx.pool, async (db) => {
      const verified = await applyToken(ctx, db, type, { tokenHash }, ip)
      if (verified.partial) return { kind: 'partial' as const }
      if (verified.pkce) {
        const code = await issueAuthCode(db, verified.user.id, FLOW_METHOD[type])
        if (!code) throw expired()
        return { kind: 'code' as const, code }
      }
      return { kind: 'session' as const, session: await startVerifiedSession(ctx, request, db, verified, client) }
    })
    if (outcome.kind === 'partial') return redirect(`${redirectTo.split('#')[0]}#${new URLSearchParams({ message: PARTIAL_CONFIRMATION })}`)
    if (outcome.kind === 'code') return redirect(appendQuery(redirectTo, { code: outcome.code }))
    const { session } = outcome
    const fragment = new URLSearchParams({
      access_token: session.access_token,
      expires_at: String(session.expires_at),
      expires_in: String(session.expires_in),
      refresh_token: session.refresh_token,
      token_type: 'bearer',
      type,
    })
    return redirect(`${redirectTo.split('#')[0]}#${fragment}`)
  } catch (error) {
    if (!(error instanceof ApiError) || error.status >= 500) throw error
    const fragment = new URLSearchParams({
      error: error.status === 429 ? 'too_many_requests' : 'access_denied',
      error_code: error.code,
      error_description: error.code === 'otp_expired' ? 'Email link is invalid or has expired' : error.message,
    })
    return redirect(`${redirectTo.split('#')[0]}#${fragment}`)
  }
}

function appendQuery(url: string, params: Record<string, string>): string {
  const [base, hash] = url.split('#', 2) as [string, string | undefined]
  const separator = base.includes('?') ? '&' : '?'
  return `${base}${separator}${new URLSearchParams(params)}${hash !== undefined ? `#${hash}` : ''}`
}
