// GET /reauthenticate: mails the signed-in user a code (the `nonce` PUT /user takes with a new
// password when secure password change is on and the session is older than a day), and the
// check of that nonce.
import type { AuthContext } from '../context.ts'
import { inTransaction, type Db } from '../db.ts'
import { badRequest } from '../errors.ts'
import { authenticate, requireUser } from '../guard.ts'
import { clientIp, json, type AuthRequest, type AuthResponse } from '../http.ts'
import { consumeToken, findTokenByOtp } from '../one-time-tokens.ts'
import { enforceEmailLimits } from '../rate-limit.ts'
import { audit, actorOf } from '../audit.ts'
import type { UserRow } from '../users.ts'
import { sendVerification } from '../verification-mail.ts'

export async function reauthenticate(ctx: AuthContext, request: AuthRequest): Promise<AuthResponse> {
  const claims = await authenticate(ctx, request)
  const { user } = await inTransaction(ctx.pool, (db) => requireUser(db, claims))
  if (!user.email) throw badRequest('validation_failed', 'Reauthentication requires the user to have an email or a phone number')
  await enforceEmailLimits(ctx.pool, user.email, ctx.config.rateLimits)
  const ip = clientIp(request, ctx.config.trustForwardedFor)
  await inTransaction(ctx.pool, async (db) => {
    await sendVerification(db, ctx, request, {
      userId: user.id,
      tokenType: 'reauthentication_token',
      linkType: 'email',
      kind: 'reauthentication',
      address: user.email!,
      redirectTo: ctx.config.siteUrl,
    })
    await audit(db, ip, actorOf(user), 'user_reauthenticate_requested')
  })
  ctx.mailQueued()
  return json(200, {})
}

/** Whether this password change needs a nonce: secure change on and the session over a day old. */
export async function needsReauthentication(db: Db, ctx: AuthContext, sessionId: string | undefined): Promise<boolean> {
  if (!ctx.config.securePasswordChange) return false
  if (!sessionId) return true
  const { rows } = await db.query<{ old: boolean }>(
    `SELECT created_at < now() - interval '24 hours' AS old FROM auth.sessions WHERE id = $1`,
    [sessionId],
  )
  return rows[0]?.old ?? true
}

/** Consumes the nonce or throws GoTrue's reauthentication errors. */
export async function checkNonce(db: Db, ctx: AuthContext, user: UserRow, nonce: string | undefined): Promise<void> {
  if (!nonce) throw badRequest('reauthentication_needed', 'Password update requires reauthentication')
  const token = user.email ? await findTokenByOtp(db, user.email, nonce, ['reauthentication_token'], ctx.config.otpExpiry) : undefined
  if (!token || token.expired || token.user_id !== user.id) throw badRequest('reauthentication_not_valid', 'Requested nonce is invalid')
  await consumeToken(db, token.id)
}
