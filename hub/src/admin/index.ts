// The admin API at /admin/v1 (docs/admin-api.md): every endpoint the Studio needs, for the
// service role only. createAdmin receives what the hub owns (pool, verifier, keys, live state)
// and returns the route handler; it starts nothing long-lived of its own.
import type { KeyObject } from 'node:crypto'
import type pg from 'pg'
import type { Auth } from '@pgstack/auth'
import type { HttpHandler } from '../http.ts'
import type { Introspection } from '../live/introspection.ts'
import type { RuntimeSettings } from '../settings/runtime-settings.ts'
import { authDataRoutes } from './auth-data.ts'
import { settingsRoutes } from './settings-keys.ts'
import type { VerifyToken } from './guard.ts'
import { json } from './http.ts'
import { liveQueryRoutes } from './live-queries.ts'
import { liveRoutes } from './live.ts'
import { sqlRoutes } from './sql.ts'
import { tableRoutes } from './tables.ts'
import { createAdminRouter, type AdminRoute } from './router.ts'
import { sessionRoutes } from './session.ts'

export const ADMIN_PATH = '/admin/v1'

export interface AdminOptions {
  pool: pg.Pool
  verify: VerifyToken
  /** The HS256 secret new tokens are signed with (the current one of a rotation). */
  signingSecret: () => KeyObject
  introspection: Introspection
  /** Schemas /rest/v1 exposes (their tables get the RLS warnings). */
  exposedSchemas: string[]
  /** Stored auth settings and the JWT secrets (applied at once). */
  settings: RuntimeSettings
  auth: Auth
}

export interface Admin {
  handler: HttpHandler
  /** Every endpoint, as `GET /admin/v1` lists them. */
  endpoints: Array<{ method: string; path: string }>
}

export function createAdmin(options: AdminOptions): Admin {
  const session = sessionRoutes(options)
  const routes: AdminRoute[] = [
    ...session.routes,
    ...liveRoutes(options.introspection),
    ...tableRoutes({ pool: options.pool, exposedSchemas: options.exposedSchemas }),
    ...sqlRoutes(options),
    ...liveQueryRoutes(options),
    ...authDataRoutes(options),
    ...settingsRoutes(options),
  ]
  const endpoints = [
    { method: 'GET', path: '/' },
    ...session.tokenRoutes.map(({ method, path }) => ({ method, path })),
    ...routes.map(({ method, path }) => ({ method, path })),
  ].map(({ method, path }) => ({ method, path: `${ADMIN_PATH}${path === '/' ? '' : path}` }))
  routes.push({ method: 'GET', path: '/', handler: async () => json(200, { version: 1, endpoints }) })
  return {
    handler: createAdminRouter({ routes, tokenRoutes: session.tokenRoutes, verify: options.verify, pool: options.pool }),
    endpoints,
  }
}
