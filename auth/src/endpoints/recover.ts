// POST /recover: a password-recovery mail. The answer is the same whether the address exists or
// not, and the per-address limits count unknown addresses too, so neither reveals an account.
import { audit, actorOf } from '../audit.ts'
import type { AuthContext } from '../context.ts'
import { inTransaction } from '../db.ts'
import { badRequest } from '../errors.ts'
import { clientIp, json, queryParams, readBody, stringField, type AuthRequest, type AuthResponse } from '../http.ts'
import { readPkceParams } from '../pkce.ts'
import { enforceEmailLimits, enforceLimits, emailHit, ipHit } from '../rate-limit.ts'
import { pickRedirect } from '../redirect.ts'
import { findUserByEmail, isBanned } from '../users.ts'
import { validateEmail } from '../validate.ts'
import { sendVerification } from '../verification-mail.ts'

export async function recover(ctx: AuthContext, request: AuthRequest): Promise<AuthResponse> {
  const { config } = ctx
  const body = readBody(request)
  const rawEmail = stringField(body, 'email')
  if (!rawEmail) throw badRequest('validation_failed', 'Password recovery requires an email')
  const email = validateEmail(rawEmail)
  const pkce = readPkceParams(body)
  const redirectTo = pickRedirect(queryParams(request).get('redirect_to') ?? stringField(body, 'redirect_to'), config.siteUrl, config.redirectUrls)
  const ip = clientIp(request, config.trustForwardedFor)
  await enforceLimits(ctx.pool, [ipHit('otp', ip, config.rateLimits.otp), emailHit('otp', email, config.rateLimits.otp)])
  await enforceEmailLimits(ctx.pool, email, config.rateLimits)

  const queued = await inTransaction(ctx.pool, async (db) => {
    const user = await findUserByEmail(db, email)
    if (!user || isBanned(user)) return false
    await sendVerification(db, ctx, request, {
      userId: user.id,
      tokenType: 'recovery_token',
      linkType: 'recovery',
      kind: 'recovery',
      address: email,
      redirectTo,
      pkce,
    })
    await audit(db, ip, actorOf(user), 'user_recovery_requested', { provider: 'email' })
    return true
  })
  if (queued) ctx.mailQueued()
  return json(200, {})
}
