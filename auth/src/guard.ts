// Who is calling: the bearer token verified, then the user and session it names (GoTrue's
// requireAuthentication), or the service role for the admin API.
import type { AuthContext } from './context.ts'
import type { Db } from './db.ts'
import { TokenRejected, bearerToken, rejectedAsGotrue } from '@pgstack/common'
import { forbidden, unauthorized } from './errors.ts'
import type { AuthRequest } from './http.ts'
import type { AccessClaims } from './tokens.ts'
import { findUserById, isUuid, type UserRow } from './users.ts'

/** The bearer token's claims, as the hub's one verifier judges them; 403 bad_jwt as GoTrue answers. */
export async function authenticate(ctx: AuthContext, request: AuthRequest): Promise<AccessClaims> {
  const token = bearerToken(request.headers)
  if (!token) throw unauthorized('no_authorization', 'This endpoint requires a valid Bearer token')
  try {
    return JSON.parse((await ctx.verifier.verify(token)).claimsJson) as AccessClaims
  } catch (error) {
    throw error instanceof TokenRejected ? rejectedAsGotrue(error) : error
  }
}

const ADMIN_ROLES = new Set(['service_role', 'supabase_admin'])

export async function requireAdmin(ctx: AuthContext, request: AuthRequest): Promise<AccessClaims> {
  const claims = await authenticate(ctx, request)
  if (!claims.role || !ADMIN_ROLES.has(claims.role)) throw forbidden('not_admin', 'User not allowed')
  return claims
}

export interface Caller {
  claims: AccessClaims
  user: UserRow
  sessionId: string | undefined
}

/** The signed-in user; 403 when the token's user or session no longer exists. */
export async function requireUser(db: Db, claims: AccessClaims, forUpdate = false): Promise<Caller> {
  if (!claims.sub) throw forbidden('bad_jwt', 'invalid claim: missing sub claim')
  const user = await findUserById(db, claims.sub, forUpdate)
  if (!user) throw forbidden('user_not_found', 'User from sub claim in JWT does not exist')
  const sessionId = typeof claims.session_id === 'string' ? claims.session_id : undefined
  if (sessionId !== undefined) {
    if (!isUuid(sessionId)) throw forbidden('session_not_found', 'Session from session_id claim in JWT does not exist')
    const { rowCount } = await db.query('SELECT 1 FROM auth.sessions WHERE id = $1::uuid AND user_id = $2', [sessionId, user.id])
    if (!rowCount) throw forbidden('session_not_found', 'Session from session_id claim in JWT does not exist')
  }
  return { claims, user, sessionId }
}
