// POST /admin/generate_link (the link and code, no mail: for apps that send their own) and
// POST /invite (creates an invited user and mails the invite). Service role only.
import { audit, SERVICE_ACTOR } from '../audit.ts'
import type { AuthContext } from '../context.ts'
import { inTransaction } from '../db.ts'
import { badRequest, notFound, unprocessable } from '../errors.ts'
import { requireAdmin } from '../guard.ts'
import { clientIp, json, objectField, queryParams, readBody, stringField, type AuthRequest, type AuthResponse } from '../http.ts'
import type { TokenType } from '../one-time-tokens.ts'
import { checkPasswordStrength, hashPassword } from '../passwords.ts'
import { requestedRedirect } from '../mail-request.ts'
import { pickRedirect } from '../redirect.ts'
import { createUser, findUserByEmail, findUserById, userJson, type UserRow } from '../users.ts'
import { validateEmail } from '../validate.ts'
import { issueLink, sendVerification, type VerificationType } from '../verification-mail.ts'

type LinkType = 'signup' | 'invite' | 'magiclink' | 'recovery' | 'email_change_current' | 'email_change_new'
const LINK_TYPES = new Set<LinkType>(['signup', 'invite', 'magiclink', 'recovery', 'email_change_current', 'email_change_new'])

export async function generateLink(ctx: AuthContext, request: AuthRequest): Promise<AuthResponse> {
  await requireAdmin(ctx, request)
  const { config } = ctx
  const body = readBody(request)
  const type = stringField(body, 'type') as LinkType | undefined
  if (!type || !LINK_TYPES.has(type)) throw badRequest('validation_failed', 'Invalid email action link type requested')
  const rawEmail = stringField(body, 'email')
  if (!rawEmail) throw badRequest('validation_failed', 'Email is required')
  const email = validateEmail(rawEmail)
  const newEmailRaw = stringField(body, 'new_email')
  const newEmail = newEmailRaw ? validateEmail(newEmailRaw) : undefined
  const password = stringField(body, 'password')
  const data = objectField(body, 'data') ?? {}
  const redirectTo = pickRedirect(stringField(body, 'redirect_to') ?? queryParams(request).get('redirect_to'), config.siteUrl, config.redirectUrls)
  let encryptedPassword: string | undefined
  if (type === 'signup') {
    if (!password) throw badRequest('validation_failed', 'Signup requires a valid password')
    checkPasswordStrength(password, config.passwordMinLength, config.passwordRequiredCharacters)
    encryptedPassword = await hashPassword(password, config.scryptLogN)
  }
  const ip = clientIp(request, config.trustForwardedFor)

  const result = await inTransaction(ctx.pool, async (db) => {
    let user: UserRow | undefined = await findUserByEmail(db, email)
    let tokenType: TokenType
    let linkType: VerificationType
    let address = email
    switch (type) {
      case 'signup':
      case 'invite':
        if (user?.email_confirmed_at) throw unprocessable('email_exists', 'A user with this email address has already been registered')
        if (!user) {
          user = await createUser(db, { email, encryptedPassword, userMetadata: data, invited: type === 'invite' })
          await audit(db, ip, SERVICE_ACTOR, type === 'invite' ? 'user_invited' : 'user_signedup', { user_id: user.id, user_email: email })
        } else if (encryptedPassword) {
          await db.query('UPDATE auth.users SET encrypted_password = $2, updated_at = now() WHERE id = $1', [user.id, encryptedPassword])
        }
        tokenType = 'confirmation_token'
        linkType = type
        break
      case 'magiclink':
      case 'recovery':
        if (!user) throw notFound('user_not_found', 'User with this email not found')
        tokenType = type === 'magiclink' && !user.email_confirmed_at ? 'confirmation_token' : 'recovery_token'
        linkType = type === 'magiclink' && !user.email_confirmed_at ? 'signup' : type
        break
      default: {
        if (!user) throw notFound('user_not_found', 'User with this email not found')
        if (!newEmail) throw badRequest('validation_failed', 'The new email address provided is invalid')
        const { rowCount } = await db.query('SELECT 1 FROM auth.users WHERE lower(email) = $1 AND id <> $2', [newEmail, user.id])
        if (rowCount) throw unprocessable('email_exists', 'A user with this email address has already been registered')
        await db.query('UPDATE auth.users SET email_change = $2, updated_at = now() WHERE id = $1', [user.id, newEmail])
        tokenType = type === 'email_change_current' ? 'email_change_token_current' : 'email_change_token_new'
        linkType = 'email_change'
        address = newEmail
      }
    }
    const issued = await issueLink(db, ctx, request, { userId: user.id, tokenType, linkType, address, redirectTo })
    const fresh = (await findUserById(db, user.id))!
    return { user: fresh, issued, linkType }
  })
  return json(200, {
    ...userJson(result.user),
    action_link: result.issued.link,
    email_otp: result.issued.otp,
    hashed_token: result.issued.tokenHash,
    verification_type: result.linkType,
    redirect_to: redirectTo,
  })
}

export async function invite(ctx: AuthContext, request: AuthRequest): Promise<AuthResponse> {
  await requireAdmin(ctx, request)
  const { config } = ctx
  const body = readBody(request)
  const rawEmail = stringField(body, 'email')
  if (!rawEmail) throw badRequest('validation_failed', 'Email is required')
  const email = validateEmail(rawEmail)
  const data = objectField(body, 'data') ?? {}
  const redirectTo = requestedRedirect(ctx, request, body)
  const ip = clientIp(request, config.trustForwardedFor)
  const user = await inTransaction(ctx.pool, async (db) => {
    let user = await findUserByEmail(db, email)
    if (user?.email_confirmed_at) throw unprocessable('email_exists', 'A user with this email address has already been registered')
    if (!user) user = await createUser(db, { email, userMetadata: data, invited: true })
    else await db.query('UPDATE auth.users SET invited_at = now(), updated_at = now() WHERE id = $1', [user.id])
    await sendVerification(db, ctx, request, {
      userId: user.id, tokenType: 'confirmation_token', linkType: 'invite', kind: 'invite', address: email, redirectTo,
    })
    await audit(db, ip, SERVICE_ACTOR, 'user_invited', { user_id: user.id, user_email: email })
    return (await findUserById(db, user.id))!
  })
  ctx.mailQueued()
  return json(200, userJson(user))
}
