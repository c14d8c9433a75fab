// POST /resend: sends the sign-up confirmation or the email-change mail again. Unknown or already
// confirmed addresses get the same empty answer.
import type { AuthContext } from '../context.ts'
import { inTransaction } from '../db.ts'
import { badRequest } from '../errors.ts'
import { clientIp, json, readBody, stringField, type AuthRequest, type AuthResponse } from '../http.ts'
import { readPkceParams } from '../pkce.ts'
import { requestedRedirect, enforceOtpMailLimits } from '../mail-request.ts'
import { findUserByEmail } from '../users.ts'
import { validateEmail } from '../validate.ts'
import { sendVerification } from '../verification-mail.ts'

export async function resend(ctx: AuthContext, request: AuthRequest): Promise<AuthResponse> {
  const { config } = ctx
  const body = readBody(request)
  const type = stringField(body, 'type')
  if (type === 'sms' || type === 'phone_change') throw badRequest('phone_provider_disabled', 'Unsupported phone provider')
  if (type !== 'signup' && type !== 'email_change') {
    throw badRequest('validation_failed', 'Missing one of these types: signup, email_change, sms, phone_change')
  }
  const rawEmail = stringField(body, 'email')
  if (!rawEmail) throw badRequest('validation_failed', 'Type provided requires an email address')
  const email = validateEmail(rawEmail)
  const pkce = readPkceParams(body)
  const redirectTo = requestedRedirect(ctx, request, body)
  const ip = clientIp(request, config.trustForwardedFor)
  await enforceOtpMailLimits(ctx, ip, email)

  const queued = await inTransaction(ctx.pool, async (db) => {
    const user = await findUserByEmail(db, email)
    if (!user) return false
    if (type === 'signup') {
      if (user.email_confirmed_at) return false
      await sendVerification(db, ctx, request, {
        userId: user.id, tokenType: 'confirmation_token', linkType: 'signup', kind: 'confirmation', address: email, redirectTo, pkce,
      })
      return true
    }
    if (!user.email_change) return false
    await sendVerification(db, ctx, request, {
      userId: user.id, tokenType: 'email_change_token_new', linkType: 'email_change', kind: 'email_change',
      address: user.email_change, newEmail: user.email_change, redirectTo, pkce,
    })
    return true
  })
  if (queued) ctx.mailQueued()
  return json(200, {})
}
