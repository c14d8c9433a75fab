// auth.users rows: reading them (with identities) and rendering them as GoTrue's User JSON.
import type { Db } from './db.ts'

export interface IdentityRow {
  id: string
  provider_id: string
  user_id: string
  identity_data: Record<string, unknown>
  provider: string
  last_sign_in_at: string | null
  created_at: string | null
  updated_at: string | null
  email: string | null
}

export interface UserRow {
  id: string
  aud: string
  role: string
  email: string | null
  encrypted_password: string | null
  email_confirmed_at: Date | null
  invited_at: Date | null
  confirmation_sent_at: Date | null
  recovery_sent_at: Date | null
  email_change: string | null
  email_change_sent_at: Date | null
  last_sign_in_at: Date | null
  raw_app_meta_data: Record<string, unknown>
  raw_user_meta_data: Record<string, unknown>
  created_at: Date
  updated_at: Date
  phone: string | null
  phone_confirmed_at: Date | null
  confirmed_at: Date | null
  banned_until: Date | null
  deleted_at: Date | null
  is_anonymous: boolean
  is_sso_user: boolean
  identities: IdentityRow[]
}

export const USER_SELECT = `
  SELECT u.*, coalesce((SELECT json_agg(i ORDER BY i.created_at) FROM auth.identities i WHERE i.user_id = u.id), '[]') AS identities
  FROM auth.users u`

export async function findUserById(db: Db, id: string, forUpdate = false): Promise<UserRow | undefined> {
  if (!isUuid(id)) return undefined
  const { rows } = await db.query<UserRow>(`${USER_SELECT} WHERE u.id = $1 ${forUpdate ? 'FOR UPDATE OF u' : ''}`, [id])
  return rows[0]
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(
    `${USER_SELECT} WHERE lower(u.email) = lower($1) AND u.is_sso_user = false AND u.deleted_at IS NULL`,
    [email],
  )
  return rows[0]
}

export async function findUserByPhone(db: Db, phone: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(`${USER_SELECT} WHERE u.phone = $1 AND u.deleted_at IS NULL`, [phone])
  return rows[0]
}

export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)
}

export function isBanned(user: UserRow): boolean {
  return user.banned_until !== null && user.banned_until.getTime() > Date.now()
}

const iso = (value: Date | string | null | undefined) =>
  value === null || value === undefined ? undefined : value instanceof Date ? value.toISOString() : value

/** GoTrue's User object; timestamps that are not set are left out, as GoTrue's omitempty does. */
export function userJson(user: UserRow): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: user.id,
    aud: user.aud,
    role: user.role,
    email: user.email ?? '',
    email_confirmed_at: iso(user.email_confirmed_at),
    phone: user.phone ?? '',
    phone_confirmed_at: iso(user.phone_confirmed_at),
    confirmation_sent_at: iso(user.confirmation_sent_at),
    confirmed_at: iso(user.confirmed_at),
    recovery_sent_at: iso(user.recovery_sent_at),
    new_email: user.email_change || undefined,
    email_change_sent_at: iso(user.email_change_sent_at),
    invited_at: iso(user.invited_at),
    last_sign_in_at: iso(user.last_sign_in_at),
    app_metadata: user.raw_app_meta_data ?? {},
    user_metadata: user.raw_user_meta_data ?? {},
    identities: (user.identities ?? []).map(identityJson),
    created_at: iso(user.created_at),
    updated_at: iso(user.updated_at),
    banned_until: user.banned_until && user.banned_until.getTime() > Date.now() ? iso(user.banned_until) : undefined,
    is_anonymous: user.is_anonymous,
  }
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key]
  return out
}

function identityJson(identity: IdentityRow): Record<string, unknown> {
  return {
    identity_id: identity.id,
    id: identity.provider_id,
    user_id: identity.user_id,
    identity_data: identity.identity_data,
    provider: identity.provider,
    last_sign_in_at: identity.last_sign_in_at,
    created_at: identity.created_at,
    updated_at: identity.updated_at,
    email: identity.email ?? undefined,
  }
}

export interface NewUser {
  id?: string
  email?: string | null
  phone?: string | null
  encryptedPassword?: string | null
  role?: string
  emailConfirmed?: boolean
  phoneConfirmed?: boolean
  invited?: boolean
  userMetadata?: Record<string, unknown>
  appMetadata?: Record<string, unknown>
  isAnonymous?: boolean
  bannedUntil?: Date | null
}

/** Inserts a user and its email/phone identity (none for anonymous users), returns it read back. */
export async function createUser(db: Db, input: NewUser): Promise<UserRow> {
  const provider = input.email ? 'email' : input.phone ? 'phone' : undefined
  const appMetadata = {
    ...(provider ? { provider, providers: [provider] } : {}),
    ...input.appMetadata,
  }
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO auth.users (id, email, phone, encrypted_password, role, email_confirmed_at, phone_confirmed_at,
       invited_at, raw_user_meta_data, raw_app_meta_data, is_anonymous, banned_until)
     VALUES (coalesce($1::uuid, gen_random_uuid()), lower($2), $3, $4, coalesce($5, 'authenticated'),
       CASE WHEN $6 THEN now() END, CASE WHEN $7 THEN now() END, CASE WHEN $8 THEN now() END,
       $9, $10, $11, $12)
     RETURNING id`,
    [
      input.id ?? null,
      input.email ?? null,
      input.phone ?? null,
      input.encryptedPassword ?? null,
      input.role ?? null,
      input.emailConfirmed ?? false,
      input.phoneConfirmed ?? false,
      input.invited ?? false,
      input.userMetadata ?? {},
      appMetadata,
      input.isAnonymous ?? false,
      input.bannedUntil ?? null,
    ],
  )
  const id = rows[0]!.id
  if (provider) await createIdentity(db, id, provider, input)
  return (await findUserById(db, id))!
}

async function createIdentity(db: Db, userId: string, provider: string, input: NewUser): Promise<void> {
  const data: Record<string, unknown> = {
    sub: userId,
    email_verified: false,
    phone_verified: false,
    ...(input.email ? { email: input.email.toLowerCase() } : {}),
    ...(input.phone ? { phone: input.phone } : {}),
  }
  await db.query(
    `INSERT INTO auth.identities (provider_id, user_id, identity_data, provider) VALUES ($1::text, $1::uuid, $2, $3)`,
    [userId, data, provider],
  )
}

/** Marks the email confirmed (and the identity verified), as verifying a signup link does. */
export async function confirmEmail(db: Db, userId: string): Promise<void> {
  await db.query(
    `UPDATE auth.users SET email_confirmed_at = coalesce(email_confirmed_at, now()), updated_at = now() WHERE id = $1`,
    [userId],
  )
  await db.query(
    `UPDATE auth.identities SET identity_data = identity_data || '{"email_verified": true}', updated_at = now()
     WHERE user_id = $1 AND provider = 'email'`,
    [userId],
  )
}
