// GET /user and PUT /user: the signed-in user, and their own changes (password, metadata, email).
// A new email takes effect only after the link sent to it is followed — except for anonymous
// users with confirmation off, who simply gain an address (as GoTrue does).
import { audit, actorOf } from '../audit.ts'
import type { AuthContext } from '../context.ts'
import { inTransaction } from '../db.ts'
import { badRequest, unprocessable } from '../errors.ts'
import { clientIp, json, objectField, queryParams, readBody, stringField, type AuthRequest, type AuthResponse } from '../http.ts'
import { authenticate, requireUser } from '../guard.ts'
import { checkPasswordStrength, hashPassword, verifyPassword } from '../passwords.ts'
import { readPkceParams } from '../pkce.ts'
import { enforceEmailLimits } from '../rate-limit.ts'
import { pickRedirect } from '../redirect.ts'
import { findUserById, userJson } from '../users.ts'
import { mergeMetadata, validateEmail } from '../validate.ts'
import { sendVerification } from '../verification-mail.ts'
import { checkNonce, needsReauthentication } from './reauthenticate.ts'

export async function getUser(ctx: AuthContext, request: AuthRequest): Promise<AuthResponse> {
  const claims = await authenticate(ctx, request)
  const { user } = await inTransaction(ctx.pool, (db) => requireUser(db, claims))
  return json(200, userJson(user))
}

export async function updateUser(ctx: AuthContext, request: AuthRequest): Promise<AuthResponse> {
  const { config } = ctx
  const claims = await authenticate(ctx, request)
  const body = readBody(request)
  const password = stringField(body, 'password')
  const nonce = stringField(body, 'nonce')
  const rawEmail = stringField(body, 'email')
  const data = objectField(body, 'data')
  if (stringField(body, 'phone')) throw badRequest('phone_provider_disabled', 'Unsupported phone provider')
  const pkce = readPkceParams(body)
  const redirectTo = pickRedirect(queryParams(request).get('redirect_to'), config.siteUrl, config.redirectUrls)
  const ip = clientIp(request, config.trustForwardedFor)

  // Read first, hash outside the transaction: scrypt must not hold a pooled connection.
  const { user: current } = await inTransaction(ctx.pool, (db) => requireUser(db, claims))
  const email = rawEmail ? validateEmail(rawEmail) : undefined
  const emailChanges = email !== undefined && email !== (current.email ?? '')
  if (current.is_anonymous && password && !emailChanges && !current.email) {
    throw unprocessable('validation_failed', 'Updating password of an anonymous user without an email or phone is not allowed')
  }
  let encryptedPassword: string | undefined
  if (password) {
    checkPasswordStrength(password, config.passwordMinLength, config.passwordRequiredCharacters)
    if (current.encrypted_password && (await verifyPassword(password, current.encrypted_password, config.scryptLogN)).ok) {
      throw unprocessable('same_password', 'New password should be different from the old password.')
    }
    encryptedPassword = await hashPassword(password, config.scryptLogN)
  }
  const directEmail = emailChanges && current.is_anonymous && config.autoconfirm
  if (emailChanges && !directEmail) await enforceEmailLimits(ctx.pool, email!, config.rateLimits)

  let mailed = false
  const updated = await inTransaction(ctx.pool, async (db) => {
    const { user, sessionId } = await requireUser(db, claims, true)
    if (emailChanges) {
      const { rowCount } = await db.query(
        `SELECT 1 FROM auth.users WHERE lower(email) = $1 AND id <> $2 AND is_sso_user = false`,
        [email, user.id],
      )
      if (rowCount) throw unprocessable('email_exists', 'A user with this email address has already been registered')
    }
    if (encryptedPassword) {
      if (await needsReauthentication(db, ctx, sessionId)) await checkNonce(db, ctx, user, nonce)
      await db.query(`UPDATE auth.users SET encrypted_password = $2, updated_at = now() WHERE id = $1`, [user.id, encryptedPassword])
      // As GoTrue: a new password ends every other session (a thief's included).
      await db.query(`DELETE FROM auth.sessions WHERE user_id = $1 AND id IS DISTINCT FROM $2::uuid`, [user.id, sessionId ?? null])
      await audit(db, ip, actorOf(user), 'user_updated_password')
    }
    if (data) {
      await db.query(`UPDATE auth.users SET raw_user_meta_data = $2, updated_at = now() WHERE id = $1`, [
        user.id,
        mergeMetadata(user.raw_user_meta_data ?? {}, data),
      ])
    }
    if (emailChanges && directEmail) {
      await db.query(
        `UPDATE auth.users SET email = $2, email_confirmed_at = now(), is_anonymous = false, updated_at = now(),
           raw_app_meta_data = raw_app_meta_data || '{"provider": "email", "providers": ["email"]}' WHERE id = $1`,
        [user.id, email],
      )
      await db.query(
        `INSERT INTO auth.identities (provider_id, user_id, identity_data, provider)
         VALUES ($1::text, $1::uuid, jsonb_build_object('sub', $1::text, 'email', $2::text, 'email_verified', true, 'phone_verified', false), 'email')
         ON CONFLICT (provider_id, provider) DO UPDATE SET identity_data = excluded.identity_data, updated_at = now()`,
        [user.id, email],
      )
    } else if (emailChanges) {
      await db.query(`UPDATE auth.users SET email_change = $2, email_change_confirm_status = 0, updated_at = now() WHERE id = $1`, [
        user.id,
        email,
      ])
      // Any link of an earlier change is void; the new one starts from scratch.
      await db.query(
        `DELETE FROM auth.one_time_tokens WHERE user_id = $1 AND token_type IN ('email_change_token_new', 'email_change_token_current')`,
        [user.id],
      )
      if (config.secureEmailChange && user.email) {
        await sendVerification(db, ctx, request, {
          userId: user.id,
          tokenType: 'email_change_token_current',
          linkType: 'email_change',
          kind: 'email_change',
          address: user.email,
          newEmail: email,
          redirectTo,
          pkce,
        })
      }
      await sendVerification(db, ctx, request, {
        userId: user.id,
        tokenType: 'email_change_token_new',
        linkType: 'email_change',
        kind: 'email_change',
        address: email!,
        newEmail: email,
        redirectTo,
        pkce,
      })
      mailed = true
    }
    await audit(db, ip, actorOf(user), 'user_modified')
    return (await findUserById(db, user.id))!
  })
  if (mailed) ctx.mailQueued()
  return json(200, userJson(updated))
}
