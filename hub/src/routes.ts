// The one route table: /rest/v1, /auth/v1, /functions/v1, /studio and /health plug in here by
// path prefix. A path nothing serves is a 404 in PostgREST's error format.
import type { HttpHandler } from './http.ts'

export interface Route {
  /** Path prefix without a trailing slash, e.g. '/rest/v1', or an exact path like '/health'. */
  prefix: string
  handler: HttpHandler
}

export interface RouteMatch {
  route: Route
  routePath: string
}

/** Longest prefix wins; a prefix matches only at a segment boundary ('/restx' is not '/rest'). */
export function matchRoute(routes: readonly Route[], path: string): RouteMatch | undefined {
  let best: RouteMatch | undefined
  for (const route of routes) {
    const { prefix } = route
    if (path !== prefix && !path.startsWith(`${prefix}/`)) continue
    if (!best || prefix.length > best.route.prefix.length) {
      best = { route, routePath: path.slice(prefix.length) }
    }
  }
  return best
}
