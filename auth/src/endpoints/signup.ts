// POST /signup: email + password sign-up (a session at once with autoconfirm, else a confirmation
// mail), and anonymous sign-in when no credentials are given. An address that is already
// confirmed gets an obfuscated user back when confirmation is on, so sign-up does not reveal it.
import { randomUUID } from 'node:crypto'
import { audit, actorOf } from '../audit.ts'
import type { AuthContext } from '../context.ts'
import { issuer } from '../context.ts'
import { inTransaction } from '../db.ts'
import { badRequest, unprocessable } from '../errors.ts'
import { clientIp, json, objectField, readBody, stringField, type AuthRequest, type AuthResponse } from '../http.ts'
import { checkPasswordStrength, hashPassword } from '../passwords.ts'
import { readPkceParams } from '../pkce.ts'
import { requestedRedirect } from '../mail-request.ts'
import { enforceEmailLimits, enforceLimits, emailHit, ipHit } from '../rate-limit.ts'
import { sessionResponse, startSession } from '../sessions.ts'
import { createUser, findUserByEmail, findUserById, userJson } from '../users.ts'
import { validateEmail } from '../validate.ts'
import { sendVerification } from '../verification-mail.ts'

export async function signup(ctx: AuthContext, request: AuthRequest): Promise<AuthResponse> {
  const body = readBody(request)
  const { config } = ctx
  const rawEmail = stringField(body, 'email')
  const phone = stringField(body, 'phone')
  const password = stringField(body, 'password')
  const data = objectField(body, 'data') ?? {}
  const ip = clientIp(request, config.trustForwardedFor)
  const client = { ip, userAgent: request.headers['user-agent'] }

  if (!rawEmail && !phone && !password) return signInAnonymously(ctx, request, data, client)
  if (config.disableSignup) throw unprocessable('signup_disabled', 'Signups not allowed for this instance')
  if (!rawEmail) {
    if (phone) throw badRequest('phone_provider_disabled', 'Phone signups are disabled')
    throw badRequest('validation_failed', 'To signup, please provide your email')
  }
  const email = validateEmail(rawEmail)
  if (!password) throw badRequest('validation_failed', 'Signup requires a valid password')
  checkPasswordStrength(password, config.passwordMinLength, config.passwordRequiredCharacters)
  const pkce = readPkceParams(body)
  const redirectTo = requestedRedirect(ctx, request, body)

  await enforceLimits(ctx.pool, [ipHit('sign_in', ip, config.rateLimits.signIn), emailHit('sign_in', email, config.rateLimits.signIn)])
  if (!config.autoconfirm) await enforceEmailLimits(ctx.pool, email, config.rateLimits)
  const encryptedPassword = await hashPassword(password, config.scryptLogN)

  const result = await inTransaction(ctx.pool, async (db) => {
    let user = await findUserByEmail(db, email)
    if (user?.email_confirmed_at) {
      if (config.autoconfirm) throw unprocessable('user_already_exists', 'User already registered')
      await audit(db, ip, actorOf(user), 'user_repeated_signup', { provider: 'email' })
      return { kind: 'obfuscated' as const }
    }
    if (user) {
      // Not confirmed yet: the latest sign-up attempt sets the password and metadata, as GoTrue does.
      await db.query(`UPDATE auth.users SET encrypted_password = $2, raw_user_meta_data = $3, updated_at = now() WHERE id = $1`, [
        user.id,
        encryptedPassword,
        data,
      ])
    } else {
      user = await createUser(db, { email, encryptedPassword, userMetadata: data, emailConfirmed: config.autoconfirm })
      await audit(db, ip, actorOf(user), 'user_signedup', { provider: 'email' })
    }
    if (config.autoconfirm) {
      const { session, refreshToken } = await startSession(db, user, 'password', client)
      await audit(db, ip, actorOf(user), 'login', { provider: 'email' })
      return { kind: 'session' as const, body: await sessionResponse(ctx, issuer(ctx, request), user, session, refreshToken) }
    }
    await sendVerification(db, ctx, request, {
      userId: user.id,
      tokenType: 'confirmation_token',
      linkType: 'signup',
      kind: 'confirmation',
      address: email,
      redirectTo,
      pkce,
    })
    await audit(db, ip, actorOf(user), 'user_confirmation_requested', { provider: 'email' })
    return { kind: 'user' as const, body: userJson((await findUserById(db, user.id))!) }
  })

  if (result.kind === 'session') return json(200, result.body)
  if (result.kind === 'obfuscated') return json(200, obfuscatedUser(email, data))
  ctx.mailQueued()
  return json(200, result.body)
}

/** What GoTrue answers for an address that is already registered when confirmation is on. */
function obfuscatedUser(email: string, data: Record<string, unknown>): Record<string, unknown> {
  const now = new Date().toISOString()
  return {
    id: randomUUID(),
    aud: 'authenticated',
    role: 'authenticated',
    email,
    phone: '',
    confirmation_sent_at: now,
    app_metadata: { provider: 'email', providers: ['email'] },
    user_metadata: data,
    identities: [],
    created_at: now,
    updated_at: now,
    is_anonymous: false,
  }
}

async function signInAnonymously(
  ctx: AuthContext,
  request: AuthRequest,
  data: Record<string, unknown>,
  client: { ip: string; userAgent: string | undefined },
): Promise<AuthResponse> {
  const { config } = ctx
  if (!config.anonymousUsers) throw unprocessable('anonymous_provider_disabled', 'Anonymous sign-ins are disabled')
  if (config.disableSignup) throw unprocessable('signup_disabled', 'Signups not allowed for this instance')
  await enforceLimits(ctx.pool, [ipHit('sign_in', client.ip, config.rateLimits.signIn)])
  const body = await inTransaction(ctx.pool, async (db) => {
    const user = await createUser(db, { isAnonymous: true, userMetadata: data })
    await audit(db, client.ip, actorOf(user), 'user_signedup', { provider: 'anonymous' })
    const { session, refreshToken } = await startSession(db, user, 'anonymous', client)
    return sessionResponse(ctx, issuer(ctx, request), user, session, refreshToken)
  })
  return json(200, body)
}
