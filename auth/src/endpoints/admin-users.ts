// The admin API for the service role: /admin/users list, create, get, update, delete. Admin
// writes send no mail; passwords may be given hashed (bcrypt or scrypt) to import users.
import { audit, SERVICE_ACTOR } from '../audit.ts'
import type { AuthContext } from '../context.ts'
import { inTransaction, type Db } from '../db.ts'
import { badRequest, notFound, unprocessable } from '../errors.ts'
import { requireAdmin } from '../guard.ts'
import { clientIp, json, objectField, queryParams, readBody, stringField, type AuthRequest, type AuthResponse } from '../http.ts'
import { checkPasswordStrength, hashPassword, isSupportedHash } from '../passwords.ts'
import { createUser, findUserById, isUuid, USER_SELECT, userJson, type UserRow } from '../users.ts'
import { mergeMetadata, parseBanDuration, validateEmail } from '../validate.ts'

const userNotFound = () => notFound('user_not_found', 'User not found')

// Roles a token may carry; auth's own schema owner and the login role are never handed out.
const FORBIDDEN_ROLES = new Set(['supabase_auth_admin', 'authenticator', 'postgres'])

function checkRole(role: string | undefined): string | undefined {
  if (role !== undefined && (FORBIDDEN_ROLES.has(role) || !/^[a-z_][a-z0-9_]*$/.test(role))) {
    throw badRequest('validation_failed', `Role ${JSON.stringify(role)} cannot be assigned`)
  }
  return role
}

function booleanField(body: Record<string, unknown>, name: string): boolean | undefined {
  const value = body[name]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'boolean') throw badRequest('validation_failed', `${name} must be a boolean`)
  return value
}

async function passwordFromBody(ctx: AuthContext, body: Record<string, unknown>): Promise<string | undefined> {
  const password = stringField(body, 'password')
  const passwordHash = stringField(body, 'password_hash')
  if (password && passwordHash) throw badRequest('validation_failed', 'Only a password or a password hash should be provided')
  if (passwordHash) {
    if (!isSupportedHash(passwordHash)) throw badRequest('validation_failed', 'Invalid password hash format (bcrypt or scrypt expected)')
    return passwordHash
  }
  if (!password) return undefined
  checkPasswordStrength(password, ctx.config.passwordMinLength, ctx.config.passwordRequiredCharacters)
  return hashPassword(password, ctx.config.scryptLogN)
}

async function ensureEmailFree(db: Db, email: string, exceptId?: string): Promise<void> {
  const { rowCount } = await db.query(
    `SELECT 1 FROM auth.users WHERE lower(email) = $1 AND is_sso_user = false AND ($2::uuid IS NULL OR id <> $2::uuid)`,
    [email, exceptId ?? null],
  )
  if (rowCount) throw unprocessable('email_exists', 'A user with this email address has already been registered')
}

export async function listUsers(ctx: AuthContext, request: AuthRequest): Promise<AuthResponse> {
  await requireAdmin(ctx, request)
  const params = queryParams(request)
  const page = Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1)
  const perPage = Math.min(1000, Math.max(1, Number.parseInt(params.get('per_page') ?? '50', 10) || 50))
  // GoTrue's `filter`: a substring of the email or of user_metadata.full_name (LIKE characters taken literally)
  const filter = params.get('filter') || null
  const pattern = filter === null ? null : `%${filter.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
  const matches = `($1::text IS NULL OR u.email ILIKE $1 OR u.raw_user_meta_data ->> 'full_name' ILIKE $1)`
  const { users, total } = await inTransaction(ctx.pool, async (db) => {
    const count = await db.query<{ n: string }>(`SELECT count(*) AS n FROM auth.users u WHERE u.deleted_at IS NULL AND ${matches}`, [pattern])
    const { rows } = await db.query<UserRow>(
      `${USER_SELECT} WHERE u.deleted_at IS NULL AND ${matches} ORDER BY u.created_at, u.id LIMIT $2 OFFSET $3`,
      [pattern, perPage, (page - 1) * perPage],
    )
    return { users: rows, total: Number(count.rows[0]!.n) }
  })
  const lastPage = Math.max(1, Math.ceil(total / perPage))
  const links: string[] = []
  const also = filter === null ? '' : `&filter=${encodeURIComponent(filter)}`
  if (page < lastPage) links.push(`</admin/users?page=${page + 1}&per_page=${perPage}${also}>; rel="next"`)
  links.push(`</admin/users?page=${lastPage}&per_page=${perPage}${also}>; rel="last"`)
  return json(200, { users: users.map(userJson), aud: 'authenticated' }, { 'x-total-count': String(total), link: links.join(', ') })
}

export async function createUserAdmin(ctx: AuthContext, request: AuthRequest): Promise<AuthResponse> {
  await requireAdmin(ctx, request)
  const body = readBody(request)
  const rawEmail = stringField(body, 'email')
  if (stringField(body, 'phone')) throw badRequest('phone_provider_disabled', 'Unsupported phone provider')
  const email = rawEmail ? validateEmail(rawEmail) : undefined
  const id = stringField(body, 'id')
  if (id !== undefined && !isUuid(id)) throw badRequest('validation_failed', 'id must be a UUID')
  const encryptedPassword = await passwordFromBody(ctx, body)
  const banDuration = stringField(body, 'ban_duration')
  const ip = clientIp(request, ctx.config.trustForwardedFor)
  const user = await inTransaction(ctx.pool, async (db) => {
    if (email) await ensureEmailFree(db, email)
    const created = await createUser(db, {
      id,
      email,
      encryptedPassword,
      role: checkRole(stringField(body, 'role')),
      emailConfirmed: booleanField(body, 'email_confirm') ?? false,
      userMetadata: objectField(body, 'user_metadata') ?? objectField(body, 'data') ?? {},
      appMetadata: objectField(body, 'app_metadata') ?? {},
      isAnonymous: !email,
      bannedUntil: banDuration ? parseBanDuration(banDuration) : null,
    })
    await audit(db, ip, SERVICE_ACTOR, 'user_signedup', { user_id: created.id, user_email: created.email, provider: 'email' })
    return created
  })
  return json(200, userJson(user))
}

export async function getUserAdmin(ctx: AuthContext, request: AuthRequest, id: string): Promise<AuthResponse> {
  await requireAdmin(ctx, request)
  const user = await inTransaction(ctx.pool, (db) => findUserById(db, id))
  if (!user) throw userNotFound()
  return json(200, userJson(user))
}

export async function updateUserAdmin(ctx: AuthContext, request: AuthRequest, id: string): Promise<AuthResponse> {
  await requireAdmin(ctx, request)
  const body = readBody(request)
  if (stringField(body, 'phone')) throw badRequest('phone_provider_disabled', 'Unsupported phone provider')
  const rawEmail = stringField(body, 'email')
  const email = rawEmail ? validateEmail(rawEmail) : undefined
  const encryptedPassword = await passwordFromBody(ctx, body)
  const banDuration = stringField(body, 'ban_duration')
  const role = checkRole(stringField(body, 'role'))
  const ip = clientIp(request, ctx.config.trustForwardedFor)
  const user = await inTransaction(ctx.pool, async (db) => {
    const user = await findUserById(db, id, true)
    if (!user) throw userNotFound()
    const sets: string[] = []
    const values: unknown[] = [user.id]
    const set = (column: string, value: unknown) => {
      values.push(value)
      sets.push(`${column} = $${values.length}`)
    }
    if (email && email !== user.email) {
      await ensureEmailFree(db, email, user.id)
      set('email', email)
      set('is_anonymous', false)
      await db.query(
        `INSERT INTO auth.identities (provider_id, user_id, identity_data, provider)
         VALUES ($1::text, $1::uuid, jsonb_build_object('sub', $1::text, 'email', $2::text, 'email_verified', false, 'phone_verified', false), 'email')
         ON CONFLICT (provider_id, provider) DO UPDATE SET identity_data = auth.identities.identity_data || jsonb_build_object('email', $2::text), updated_at = now()`,
        [user.id, email],
      )
    }
    if (encryptedPassword) set('encrypted_password', encryptedPassword)
    if (role) set('role', role)
    const emailConfirm = booleanField(body, 'email_confirm')
    if (emailConfirm === true) sets.push('email_confirmed_at = coalesce(email_confirmed_at, now())')
    if (emailConfirm === false) sets.push('email_confirmed_at = NULL')
    const userMetadata = objectField(body, 'user_metadata')
    if (userMetadata) set('raw_user_meta_data', mergeMetadata(user.raw_user_meta_data ?? {}, userMetadata))
    const appMetadata = objectField(body, 'app_metadata')
    if (appMetadata) set('raw_app_meta_data', mergeMetadata(user.raw_app_meta_data ?? {}, appMetadata))
    if (banDuration) set('banned_until', parseBanDuration(banDuration))
    if (sets.length) await db.query(`UPDATE auth.users SET ${sets.join(', ')}, updated_at = now() WHERE id = $1`, values)
    if ((banDuration && banDuration !== 'none') || encryptedPassword) {
      await db.query('DELETE FROM auth.sessions WHERE user_id = $1', [user.id])
    }
    await audit(db, ip, SERVICE_ACTOR, 'user_modified', { user_id: user.id, user_email: user.email })
    return (await findUserById(db, user.id))!
  })
  return json(200, userJson(user))
}

export async function deleteUserAdmin(ctx: AuthContext, request: AuthRequest, id: string): Promise<AuthResponse> {
  await requireAdmin(ctx, request)
  const body = readBody(request)
  const soft = body.should_soft_delete === true
  const ip = clientIp(request, ctx.config.trustForwardedFor)
  const user = await inTransaction(ctx.pool, async (db) => {
    const user = await findUserById(db, id, true)
    if (!user) throw userNotFound()
    if (soft) {
      // As GoTrue: the row stays (foreign keys keep pointing at it), but it can never sign in again.
      await db.query('DELETE FROM auth.sessions WHERE user_id = $1', [user.id])
      await db.query('DELETE FROM auth.identities WHERE user_id = $1', [user.id])
      await db.query(
        `UPDATE auth.users SET deleted_at = now(), email = NULL, phone = NULL, encrypted_password = NULL,
           raw_user_meta_data = '{}', updated_at = now() WHERE id = $1`,
        [user.id],
      )
    } else {
      await db.query('DELETE FROM auth.users WHERE id = $1', [user.id])
    }
    await audit(db, ip, SERVICE_ACTOR, 'user_deleted', { user_id: user.id, user_email: user.email })
    return user
  })
  return json(200, userJson(user))
}
