// Signing in to the Studio: the token exchange (an admin user's access token → a short-lived
// service-role token), who-am-I, and the list of admins. docs/admin-api.md, "Session".
import type { KeyObject } from 'node:crypto'
import { SignJWT } from 'jose'
import type pg from 'pg'
import { asRole, queryAs } from './db.ts'
import { adminError, notFound } from './errors.ts'
import { ADMIN_CLAIM, adminUserState } from './guard.ts'
import { json, noContent, uuidParam } from './http.ts'
import type { AdminRoute, TokenRoute } from './router.ts'

/** A Studio token lives this long at most (seconds): short, since /rest/v1 cannot recheck it. */
export const STUDIO_TOKEN_SECONDS = 15 * 60

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function sessionRoutes(deps: { pool: pg.Pool; signingSecret: () => KeyObject }): { routes: AdminRoute[]; tokenRoutes: TokenRoute[] } {
  const { pool } = deps
  return {
    tokenRoutes: [
      {
        method: 'POST',
        path: '/token',
        handler: async ({ token }) => {
          const notAdmin = (why: string) =>
            adminError('notServiceRole', `only an admin user's access token can be exchanged for a Studio token (${why})`, null, 'Sign in through /auth/v1 as a user listed in pgstack.admins.')
          if (token.role === 'service_role') throw notAdmin('this token already has the service role')
          const sub = token.claims.sub
          const sessionId = token.claims.session_id
          if (typeof sub !== 'string' || !UUID.test(sub) || typeof sessionId !== 'string' || !UUID.test(sessionId)) throw notAdmin('it is not a signed-in user\'s token')
          const state = await adminUserState(pool, sub, sessionId)
          if (!state || state.deleted || state.banned || !state.session) throw notAdmin('the user or the session no longer exists')
          if (!state.admin) throw notAdmin('the user is not an admin')
          const now = Math.floor(Date.now() / 1000)
          const expiresAt = Math.min(now + STUDIO_TOKEN_SECONDS, token.expiresAt ?? Number.POSITIVE_INFINITY)
          const accessToken = await new SignJWT({ role: 'service_role', [ADMIN_CLAIM]: true, session_id: sessionId, email: state.email ?? '' })
            .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
            .setIssuer('pgstack')
            .setSubject(state.id)
            .setIssuedAt(now)
            .setExpirationTime(expiresAt)
            .sign(deps.signingSecret())
          return json(200, {
            access_token: accessToken,
            token_type: 'bearer',
            expires_in: expiresAt - now,
            expires_at: expiresAt,
            user: { id: state.id, email: state.email },
          })
        },
      },
    ],
    routes: [
      {
        method: 'GET',
        path: '/session',
        handler: async ({ caller }) => json(200, { role: 'service_role', kind: caller.kind, user: caller.user, expires_at: caller.expiresAt }),
      },
      {
        method: 'GET',
        path: '/admins',
        handler: async () => {
          const { rows } = await queryAs(
            pool,
            'pgstack_admin',
            `SELECT a.user_id, u.email, a.granted_at, a.granted_by FROM pgstack.admins a JOIN auth.users u ON u.id = a.user_id ORDER BY a.granted_at, a.user_id`,
          )
          return json(200, { admins: rows })
        },
      },
      {
        method: 'PUT',
        path: '/admins/:user_id',
        handler: async ({ params, caller }) => {
          const userId = uuidParam(params.user_id!, 'user_id')
          const grantedBy = caller.user?.email ?? caller.user?.id ?? 'service_role'
          const row = await asRole(pool, 'pgstack_admin', async (db) => {
            const user = await db.query('SELECT 1 FROM auth.users WHERE id = $1 AND deleted_at IS NULL', [userId])
            if (!user.rowCount) throw notFound(`no user ${userId}`)
            await db.query('INSERT INTO pgstack.admins (user_id, granted_by) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING', [userId, grantedBy])
            const { rows } = await db.query(
              'SELECT a.user_id, u.email, a.granted_at, a.granted_by FROM pgstack.admins a JOIN auth.users u ON u.id = a.user_id WHERE a.user_id = $1',
              [userId],
            )
            return rows[0]
          })
          return json(200, row)
        },
      },
      {
        method: 'DELETE',
        path: '/admins/:user_id',
        handler: async ({ params }) => {
          const userId = uuidParam(params.user_id!, 'user_id')
          const { rowCount } = await queryAs(pool, 'pgstack_admin', 'DELETE FROM pgstack.admins WHERE user_id = $1', [userId])
          if (!rowCount) throw notFound(`user ${userId} is not an admin`)
          return noContent()
        },
      },
    ],
  }
}
