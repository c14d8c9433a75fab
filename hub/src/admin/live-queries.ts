// Named live queries (pgr.define) for the Studio: list with SQL and parameters, define, drop.
// Runs pg_reactive's own SQL API as service_role; its refusals keep their SQLSTATE and texts.
import type pg from 'pg'
import { postgrestBody } from '@pgstack/common'
import { toApiError } from '../live/errors.ts'
import { asRole, queryAs } from './db.ts'
import { adminError, invalid, notFound } from './errors.ts'
import { json, noContent, readJson, stringField, type Body } from './http.ts'
import type { AdminRoute } from './router.ts'
import { positionOf } from './sql.ts'

const SELECT = `
SELECT name, sql, param_types::text[] AS param_types, key, refresh::text AS refresh, incremental, adhoc,
       tables::text[] AS tables, columns, feeds::int AS feeds, subscriptions::int AS subscriptions,
       evaluations::text AS evaluations, deltas::text AS deltas, errors::text AS errors, created_at
  FROM pgr.live_queries`

function stringArray(body: Body, name: string): string[] | null {
  const value = body[name]
  if (value === undefined || value === null) return null
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) throw invalid(`"${name}" must be an array of names`)
  return value as string[]
}

/** PostgreSQL's refusal of a definition, with the position in the live query's own SQL. */
function definitionError(error: unknown, sql: string) {
  const e = error as { code?: unknown; internalPosition?: unknown; internalQuery?: unknown; position?: unknown }
  if (typeof e.code !== 'string' || !/^[0-9A-Z]{5}$/.test(e.code)) throw error
  if (e.code === '42710') throw adminError('conflict', (error as Error).message, null, 'Drop it first (DELETE /admin/v1/live-queries/{name}), or choose another name.')
  const at = e.internalQuery === sql && typeof e.internalPosition === 'string' ? Number(e.internalPosition) : null
  return json(400, { ...postgrestBody(toApiError(error)), position: at ? positionOf(sql, at) : null })
}

export function liveQueryRoutes(deps: { pool: pg.Pool }): AdminRoute[] {
  const { pool } = deps
  return [
    {
      method: 'GET',
      path: '/live-queries',
      handler: async ({ query }) => {
        const adhoc = query.get('adhoc') === 'true'
        const { rows } = await queryAs(pool, 'service_role', `${SELECT} WHERE $1 OR NOT adhoc ORDER BY name`, [adhoc])
        return json(200, { live_queries: rows })
      },
    },
    {
      method: 'GET',
      path: '/live-queries/:name',
      handler: async ({ params }) => {
        const { rows } = await queryAs(pool, 'service_role', `${SELECT} WHERE name = $1`, [params.name])
        if (!rows[0]) throw notFound(`no live query ${JSON.stringify(params.name)}`)
        return json(200, rows[0])
      },
    },
    {
      method: 'POST',
      path: '/live-queries',
      handler: async ({ request }) => {
        const body = readJson(request)
        const name = stringField(body, 'name', true)
        const sql = stringField(body, 'sql', true)
        if (name.trim() === '' || sql.trim() === '') throw invalid('"name" and "sql" must not be empty')
        const paramTypes = stringArray(body, 'param_types')
        const key = stringArray(body, 'key')
        const refresh = stringField(body, 'refresh') ?? null
        try {
          const row = await asRole(pool, 'service_role', async (db) => {
            await db.query('SELECT pgr.define($1, $2, $3::regtype[], $4::text[], $5::interval)', [name, sql, paramTypes, key, refresh])
            return (await db.query(`${SELECT} WHERE name = $1`, [name])).rows[0]
          })
          return json(201, row)
        } catch (error) {
          return definitionError(error, sql)
        }
      },
    },
    {
      method: 'DELETE',
      path: '/live-queries/:name',
      handler: async ({ params }) => {
        const { rows } = await queryAs<{ dropped: boolean }>(pool, 'service_role', 'SELECT pgr.undefine($1) AS dropped', [params.name])
        if (!rows[0]!.dropped) throw notFound(`no live query ${JSON.stringify(params.name)}`)
        return noContent()
      },
    },
  ]
}
