// POST /otp and POST /magiclink: a mail with a sign-in link and code. A new address becomes an
// unconfirmed user (unless create_user is false) and gets the sign-up confirmation instead.
import { audit, actorOf } from '../audit.ts'
import type { AuthContext } from '../context.ts'
import { inTransaction } from '../db.ts'
import { badRequest, unprocessable } from '../errors.ts'
import { clientIp, json, objectField, readBody, stringField, type AuthRequest, type AuthResponse } from '../http.ts'
import { readPkceParams } from '../pkce.ts'
import { requestedRedirect, enforceOtpMailLimits } from '../mail-request.ts'
import { createUser, findUserByEmail, isBanned } from '../users.ts'
import { validateEmail } from '../validate.ts'
import { sendVerification } from '../verification-mail.ts'

export async function otp(ctx: AuthContext, request: AuthRequest): Promise<AuthResponse> {
  const { config } = ctx
  const body = readBody(request)
  const rawEmail = stringField(body, 'email')
  if (!rawEmail) {
    if (stringField(body, 'phone')) throw badRequest('phone_provider_disabled', 'Unsupported phone provider')
    throw badRequest('validation_failed', 'An email address or phone number is required')
  }
  const email = validateEmail(rawEmail)
  const createUserAllowed = body.create_user === undefined ? true : body.create_user === true || body.create_user === 'true'
  const data = objectField(body, 'data') ?? {}
  const pkce = readPkceParams(body)
  const redirectTo = requestedRedirect(ctx, request, body)
  const ip = clientIp(request, config.trustForwardedFor)
  await enforceOtpMailLimits(ctx, ip, email)

  await inTransaction(ctx.pool, async (db) => {
    let user = await findUserByEmail(db, email)
    if (!user) {
      if (!createUserAllowed) throw unprocessable('otp_disabled', 'Signups not allowed for otp')
      if (config.disableSignup) throw unprocessable('signup_disabled', 'Signups not allowed for this instance')
      user = await createUser(db, { email, userMetadata: data })
      await audit(db, ip, actorOf(user), 'user_signedup', { provider: 'email' })
    }
    if (isBanned(user)) return // no mail, and no difference in the answer
    const confirmed = user.email_confirmed_at !== null
    await sendVerification(db, ctx, request, {
      userId: user.id,
      tokenType: confirmed ? 'recovery_token' : 'confirmation_token',
      linkType: confirmed ? 'magiclink' : 'signup',
      kind: confirmed ? 'magiclink' : 'confirmation',
      address: email,
      redirectTo,
      pkce,
    })
    await audit(db, ip, actorOf(user), confirmed ? 'user_recovery_requested' : 'user_confirmation_requested', { provider: 'email' })
  })
  ctx.mailQueued()
  return json(200, {})
}
