// What GoTrue's admin API lacks and the Studio needs (docs/admin-api.md, "Auth"): sending a
// password reset, the sessions, the mail outbox and the audit log. Read and written as
// supabase_auth_admin, the owner of schema auth; users themselves stay with /auth/v1/admin.
import type pg from 'pg'
import type { Auth } from '@pgstack/auth'
import type { HttpRequest } from '../http.ts'
import { asRole, queryAs } from './db.ts'
import { invalid, notFound } from './errors.ts'
import { intParam, json, noContent, readJson, stringField, uuidParam } from './http.ts'
import type { Caller } from './guard.ts'
import type { AdminRoute } from './router.ts'

const MAIL_KINDS = new Set(['confirmation', 'recovery', 'magiclink', 'invite', 'email_change', 'reauthentication', 'test'])

/** The request as /auth/v1 would have seen it, so that links point at /auth/v1/verify. */
function asAuthRequest(request: HttpRequest) {
  return { method: 'POST', path: '/auth/v1', routePath: '', query: '', headers: request.headers, body: Buffer.alloc(0), remoteAddress: request.remoteAddress }
}

function timeParam(query: URLSearchParams, name: string): string | null {
  const value = query.get(name)
  if (value === null || value === '') return null
  if (Number.isNaN(Date.parse(value))) throw invalid(`query parameter "${name}" must be a timestamp`, `got ${JSON.stringify(value)}`)
  return value
}

function idParam(query: URLSearchParams, name: string): string | null {
  const value = query.get(name)
  if (value === null || value === '') return null
  if (!/^\d{1,18}$/.test(value)) throw invalid(`query parameter "${name}" must be an id`)
  return value
}

const actorOf = (caller: Caller) =>
  caller.user ? { actor_id: caller.user.id, actor_username: caller.user.email ?? '' } : { actor_id: '00000000-0000-0000-0000-000000000000', actor_username: 'service_role' }

const MAIL_COLUMNS = 'id::text, kind, recipient, user_id, subject, body_text, body_html, created_at, sent_at, attempts, last_error'

export function authDataRoutes(deps: { pool: pg.Pool; auth: Auth }): AdminRoute[] {
  const { pool, auth } = deps
  return [
    {
      method: 'POST',
      path: '/auth/users/:id/recover',
      handler: async ({ request, params }) => {
        const userId = uuidParam(params.id!, 'the user id')
        const redirectTo = stringField(readJson(request), 'redirect_to')
        const sent = await auth.sendRecovery(userId, asAuthRequest(request), redirectTo)
        if (!sent) throw notFound(`no user ${userId} with an email who may reset a password (deleted or banned users may not)`)
        return json(200, { mail_id: sent.mailId, recipient: sent.recipient })
      },
    },
    {
      method: 'GET',
      path: '/auth/sessions',
      handler: async ({ query }) => {
        const userId = query.get('user_id') ? uuidParam(query.get('user_id')!, 'user_id') : null
        const limit = intParam(query, 'limit', 100, 1, 1000)
        const offset = intParam(query, 'offset', 0, 0, 1_000_000)
        const { rows } = await queryAs(
          pool,
          'supabase_auth_admin',
          `SELECT s.id, s.user_id, u.email, s.created_at, s.updated_at, s.refreshed_at, s.not_after, s.aal, s.user_agent, host(s.ip) AS ip
             FROM auth.sessions s JOIN auth.users u ON u.id = s.user_id
            WHERE $1::uuid IS NULL OR s.user_id = $1::uuid
            ORDER BY s.created_at DESC, s.id LIMIT $2 OFFSET $3`,
          [userId, limit + 1, offset],
        )
        return json(200, { sessions: rows.slice(0, limit), has_more: rows.length > limit })
      },
    },
    {
      method: 'DELETE',
      path: '/auth/sessions/:id',
      handler: async ({ params, request, caller }) => {
        const id = uuidParam(params.id!, 'the session id')
        const ended = await endSessions(pool, 'id', id, request, caller)
        if (ended === 0) throw notFound(`no session ${id}`)
        return noContent()
      },
    },
    {
      method: 'DELETE',
      path: '/auth/sessions',
      handler: async ({ query, request, caller }) => {
        const raw = query.get('user_id')
        if (!raw) throw invalid('DELETE /auth/sessions needs ?user_id= (every session of that user)')
        await endSessions(pool, 'user_id', uuidParam(raw, 'user_id'), request, caller)
        return noContent()
      },
    },
    {
      method: 'GET',
      path: '/auth/mail',
      handler: async ({ query }) => {
        const kind = query.get('kind') || null
        if (kind !== null && !MAIL_KINDS.has(kind)) throw invalid(`query parameter "kind" must be one of ${[...MAIL_KINDS].join(', ')}`)
        const userId = query.get('user_id') ? uuidParam(query.get('user_id')!, 'user_id') : null
        const limit = intParam(query, 'limit', 50, 1, 500)
        const { rows } = await queryAs(
          pool,
          'supabase_auth_admin',
          `SELECT ${MAIL_COLUMNS} FROM auth.mail_outbox
            WHERE ($1::text IS NULL OR lower(recipient) = lower($1)) AND ($2::uuid IS NULL OR user_id = $2::uuid)
              AND ($3::text IS NULL OR kind = $3) AND ($4::bigint IS NULL OR id < $4::bigint)
            ORDER BY id DESC LIMIT $5`,
          [query.get('recipient') || null, userId, kind, idParam(query, 'before'), limit + 1],
        )
        return json(200, { mail: rows.slice(0, limit), has_more: rows.length > limit })
      },
    },
    {
      method: 'GET',
      path: '/auth/mail/:id',
      handler: async ({ params }) => {
        if (!/^\d{1,18}$/.test(params.id!)) throw invalid('the mail id must be an integer')
        const { rows } = await queryAs(pool, 'supabase_auth_admin', `SELECT ${MAIL_COLUMNS} FROM auth.mail_outbox WHERE id = $1::bigint`, [params.id])
        if (!rows[0]) throw notFound(`no mail ${params.id}`)
        return json(200, rows[0])
      },
    },
    {
      method: 'GET',
      path: '/auth/audit',
      handler: async ({ query }) => {
        const userId = query.get('user_id') ? uuidParam(query.get('user_id')!, 'user_id') : null
        const limit = intParam(query, 'limit', 100, 1, 1000)
        const { rows } = await queryAs(
          pool,
          'supabase_auth_admin',
          `SELECT id, created_at, ip_address, payload ->> 'action' AS action, payload ->> 'actor_id' AS actor_id,
                  payload ->> 'actor_username' AS actor_username, payload ->> 'log_type' AS log_type, payload -> 'traits' AS traits
             FROM auth.audit_log_entries
            WHERE ($1::text IS NULL OR payload ->> 'actor_id' = $1 OR payload -> 'traits' ->> 'user_id' = $1)
              AND ($2::text IS NULL OR payload ->> 'action' = $2)
              AND ($3::timestamptz IS NULL OR created_at < $3::timestamptz)
            ORDER BY created_at DESC, id LIMIT $4`,
          [userId, query.get('action') || null, timeParam(query, 'before'), limit + 1],
        )
        return json(200, { entries: rows.slice(0, limit), has_more: rows.length > limit })
      },
    },
  ]
}

/** Deletes sessions (their refresh tokens go with them) and writes the audit row; how many ended. */
async function endSessions(pool: pg.Pool, column: 'id' | 'user_id', value: string, request: HttpRequest, caller: Caller): Promise<number> {
  return asRole(pool, 'supabase_auth_admin', async (db) => {
    const { rows } = await db.query<{ id: string; user_id: string }>(`DELETE FROM auth.sessions WHERE ${column} = $1 RETURNING id, user_id`, [value])
    for (const row of rows) {
      const payload = { ...actorOf(caller), action: 'logout', log_type: 'account', traits: { session_id: row.id, user_id: row.user_id, by: 'admin' } }
      await db.query('INSERT INTO auth.audit_log_entries (payload, ip_address) VALUES ($1, $2)', [JSON.stringify(payload), request.remoteAddress.slice(0, 64)])
    }
    return rows.length
  })
}
