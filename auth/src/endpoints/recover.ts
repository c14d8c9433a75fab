// POST /recover: a password-recovery mail. The answer is the same whether the address exists or
// not, and the per-address limits count unknown addresses too, so neither reveals an account.
import { audit, actorOf } from '../audit.ts'
import type { AuthContext } from '../context.ts'
import { inTransaction } from '../db.ts'
import { badRequest } from '../errors.ts'
import { clientIp, json, readBody, stringField, type AuthRequest, type AuthResponse } from '../http.ts'
import { readPkceParams } from '../pkce.ts'
import { requestedRedirect, enforceOtpMailLimits } from '../mail-request.ts'
import { findUserByEmail, findUserById, isBanned } from '../users.ts'
import { pickRedirect } from '../redirect.ts'
import { SERVICE_ACTOR } from '../audit.ts'
import { validateEmail } from '../validate.ts'
import { sendVerification } from '../verification-mail.ts'

export async function recover(ctx: AuthContext, request: AuthRequest): Promise<AuthResponse> {
  const { config } = ctx
  const body = readBody(request)
  const rawEmail = stringField(body, 'email')
  if (!rawEmail) throw badRequest('validation_failed', 'Password recovery requires an email')
  const email = validateEmail(rawEmail)
  const pkce = readPkceParams(body)
  const redirectTo = requestedRedirect(ctx, request, body)
  const ip = clientIp(request, config.trustForwardedFor)
  await enforceOtpMailLimits(ctx, ip, email)

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

/** The admin API's "send a reset": the same mail for a user named by id, without rate limits. */
export async function sendRecoveryAsAdmin(
  ctx: AuthContext,
  request: AuthRequest,
  userId: string,
  redirectTo?: string,
): Promise<{ mailId: string; recipient: string } | null> {
  const target = pickRedirect(redirectTo ?? null, ctx.config.siteUrl, ctx.config.redirectUrls)
  return inTransaction(ctx.pool, async (db) => {
    const user = await findUserById(db, userId)
    if (!user || !user.email || user.deleted_at || isBanned(user)) return null
    const sent = await sendVerification(db, ctx, request, {
      userId: user.id,
      tokenType: 'recovery_token',
      linkType: 'recovery',
      kind: 'recovery',
      address: user.email,
      redirectTo: target,
    })
    await audit(db, clientIp(request, ctx.config.trustForwardedFor), SERVICE_ACTOR, 'user_recovery_requested', { user_id: user.id, user_email: user.email, provider: 'email' })
    return { mailId: sent.mailId, recipient: user.email }
  })
}
