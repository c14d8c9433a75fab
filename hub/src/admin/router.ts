// Method + path → endpoint for /admin/v1, and the one place where every request is authorised:
// an endpoint runs only after requireServiceRole (or, for the token exchange, after the caller's
// own token is verified). Unknown paths and methods are refused after authorisation too, so the
// API tells nothing to a caller without the service role.
import type { HttpHandler, HttpRequest, HttpResponse } from '../http.ts'
import { adminError } from './errors.ts'
import { requireServiceRole, verifiedToken, type Caller, type VerifiedToken, type VerifyToken } from './guard.ts'
import { ApiError, postgrestBody } from '@pgstack/common'
import { CORS_HEADERS, json } from './http.ts'
import type pg from 'pg'

export interface Call {
  request: HttpRequest
  params: Record<string, string>
  query: URLSearchParams
}

export type Endpoint = (call: Call & { caller: Caller }) => Promise<HttpResponse>
/** An endpoint for callers that are not the service role yet (POST /token). */
export type TokenEndpoint = (call: Call & { token: VerifiedToken }) => Promise<HttpResponse>

export interface AdminRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** Segments; `:name` captures one (percent-decoded). */
  path: string
  handler: Endpoint
}

export interface TokenRoute {
  method: 'POST'
  path: string
  handler: TokenEndpoint
}

interface Compiled<R> {
  route: R
  segments: string[]
}

function compile<R extends { path: string }>(routes: R[]): Array<Compiled<R>> {
  return routes.map((route) => ({ route, segments: route.path.split('/').filter(Boolean) }))
}

function matchPath(segments: string[], parts: string[]): Record<string, string> | null {
  if (segments.length !== parts.length) return null
  const params: Record<string, string> = {}
  for (let i = 0; i < segments.length; i++) {
    const want = segments[i]!
    if (want.startsWith(':')) {
      try {
        params[want.slice(1)] = decodeURIComponent(parts[i]!)
      } catch {
        return null
      }
    } else if (want !== parts[i]) return null
  }
  return params
}

export function createAdminRouter(options: {
  routes: AdminRoute[]
  tokenRoutes: TokenRoute[]
  verify: VerifyToken
  pool: pg.Pool
}): HttpHandler {
  const routes = compile(options.routes)
  const tokenRoutes = compile(options.tokenRoutes)
  const handle = async (request: HttpRequest): Promise<HttpResponse> => {
    const parts = request.routePath.split('/').filter(Boolean)
    const method = request.method === 'HEAD' ? 'GET' : request.method
    const query = new URLSearchParams(request.query)
    for (const { route, segments } of tokenRoutes) {
      const params = matchPath(segments, parts)
      if (params && route.method === method) {
        const token = await verifiedToken(request, options.verify)
        return route.handler({ request, params, query, token })
      }
    }
    const caller = await requireServiceRole(request, options.verify, options.pool)
    const allowed: string[] = []
    for (const { route, segments } of routes) {
      const params = matchPath(segments, parts)
      if (!params) continue
      if (route.method === method) return route.handler({ request, params, query, caller })
      allowed.push(route.method)
    }
    if (allowed.length) {
      throw adminError('method', `${request.method} is not allowed on ${request.path}`, null, `Allowed: ${allowed.join(', ')}.`)
    }
    throw adminError('notFound', `no admin endpoint at ${request.path}`, null, 'See docs/admin-api.md.')
  }
  return async (request) => {
    if (request.method === 'OPTIONS') return { status: 204, headers: { ...CORS_HEADERS } }
    try {
      return await handle(request)
    } catch (error) {
      // anything else is the hub's to log and answer as a bare 500
      if (!(error instanceof ApiError)) throw error
      return json(error.status, postgrestBody(error), error.headers)
    }
  }
}
