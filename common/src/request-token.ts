// The one place a token is read from request headers. `Authorization: Bearer <token>` (scheme in
// any case, PostgREST's rule), else the `apikey` header (what Supabase's gateway turns into a
// bearer token, and what supabase-js always sends). An Authorization header of another scheme
// means no token: the request is anonymous, as PostgREST answers it.

/** Lower-case header names, as the hub's requests carry them. */
export type RequestHeaders = Readonly<Record<string, string | undefined>>

const BEARER = /^bearer\s+(.+)$/i

/**
 * What follows `Bearer` in the Authorization header, trimmed (a token with spaces in it is still
 * a token, and fails verification, as in PostgREST); undefined for none, another scheme or an empty one.
 */
export function bearerToken(headers: RequestHeaders): string | undefined {
  const authorization = headers.authorization
  if (authorization === undefined) return undefined
  // The form every client sends, without the regular expression's scan and copies (REST's hot path).
  if (authorization.startsWith('Bearer ') && authorization.charCodeAt(7) > 32 && authorization.charCodeAt(authorization.length - 1) > 32) {
    return authorization.slice(7)
  }
  return BEARER.exec(authorization.trim())?.[1]!.trim()
}

/**
 * The token a request runs with: the bearer token, else the apikey header when there is no
 * Authorization header at all. /auth/v1 reads only the bearer token, as GoTrue does.
 */
export function requestToken(headers: RequestHeaders): string | undefined {
  if (headers.authorization !== undefined) return bearerToken(headers)
  const apikey = headers.apikey?.trim()
  return apikey ? apikey : undefined
}
