// Who is calling /admin/v1: a verified token whose role is service_role — the service key, or a
// Studio token issued to an admin user, which is re-checked against the database on every call
// so that revoking the admin, banning the user or ending the session takes effect at once.
import type pg from 'pg'
import { requestToken, type ApiError } from '@pgstack/common'
import type { HttpRequest } from '../http.ts'
import { adminError } from './errors.ts'
import { queryAs } from './db.ts'

/** A verified token: what the shared verifier tells about it. */
export interface VerifiedToken {
  role: string
  claims: Record<string, unknown>
  expiresAt: number | null
}

export type VerifyToken = (token: string) => Promise<VerifiedToken | ApiError>

export interface Caller {
  kind: 'service_key' | 'admin_user'
  user: { id: string; email: string | null } | null
  expiresAt: number | null
}

/** The claim that marks a Studio token (POST /admin/v1/token). */
export const ADMIN_CLAIM = 'pgstack_admin'

/** The verified token of a request, or the 401 that refuses it. */
export async function verifiedToken(request: HttpRequest, verify: VerifyToken): Promise<VerifiedToken> {
  const token = requestToken(request.headers)
  if (!token) throw adminError('noToken', 'the admin API needs a service-role token', null, 'Send Authorization: Bearer <service key> or a Studio token from POST /admin/v1/token.')
  const verdict = await verify(token)
  if (!('role' in verdict)) throw verdict
  return verdict
}

export interface AdminUserState {
  id: string
  email: string | null
  admin: boolean
  banned: boolean
  deleted: boolean
  session: boolean
}

/** The user, whether they are an admin, and whether the session still exists. */
export async function adminUserState(pool: pg.Pool, userId: string, sessionId: string | null): Promise<AdminUserState | null> {
  const { rows } = await queryAs<{ id: string; email: string | null; admin: boolean; banned: boolean; deleted: boolean; session: boolean }>(
    pool,
    'pgstack_admin',
    `SELECT u.id, u.email,
            EXISTS (SELECT 1 FROM pgstack.admins a WHERE a.user_id = u.id) AS admin,
            coalesce(u.banned_until > now(), false) AS banned,
            u.deleted_at IS NOT NULL AS deleted,
            ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM auth.sessions s WHERE s.id = $2::uuid AND s.user_id = u.id)) AS session
       FROM auth.users u WHERE u.id = $1::uuid`,
    [userId, sessionId],
  )
  return rows[0] ?? null
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const uuidOrNull = (value: unknown) => (typeof value === 'string' && UUID.test(value) ? value : null)

/** The caller of a service-role endpoint, or the 401/403 that refuses them. */
export async function requireServiceRole(request: HttpRequest, verify: VerifyToken, pool: pg.Pool): Promise<Caller> {
  const token = await verifiedToken(request, verify)
  if (token.role !== 'service_role') {
    throw adminError('notServiceRole', `the admin API answers only the service role (this token's role is ${JSON.stringify(token.role)})`, null, 'Use the service key, or sign in to the Studio as an admin user.')
  }
  if (token.claims[ADMIN_CLAIM] !== true) return { kind: 'service_key', user: null, expiresAt: token.expiresAt }
  const userId = uuidOrNull(token.claims.sub)
  const state = userId ? await adminUserState(pool, userId, uuidOrNull(token.claims.session_id)) : null
  if (!state || !state.admin || state.banned || state.deleted || !state.session) {
    const why = !state || state.deleted ? 'the user no longer exists' : !state.admin ? 'the user is no longer an admin' : state.banned ? 'the user is banned' : 'the session has ended'
    throw adminError('adminRevoked', 'this Studio token is no longer valid', why, 'Sign in again.')
  }
  return { kind: 'admin_user', user: { id: state.id, email: state.email }, expiresAt: token.expiresAt }
}
