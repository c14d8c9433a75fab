// The one error type of the server's APIs and its two renderers: PostgREST's
// `{code, message, details, hint}` (/rest/v1, the live protocol, /metrics, the hub's own routes)
// and GoTrue's (/auth/v1). Each API keeps its codes in its own table and builds its errors only
// through this class; nothing recognises an error by its class name or its message text.

export class ApiError extends Error {
  override name = 'ApiError'
  constructor(
    readonly status: number,
    /** PostgREST's code (PGRST…), a SQLSTATE, our own (PGS…), or GoTrue's error_code. */
    readonly code: string,
    message: string,
    /** PostgREST's `details`; for GoTrue's weak_password, the reasons. */
    readonly details: unknown = null,
    readonly hint: string | null = null,
    /** Response headers the error brings (WWW-Authenticate on a 401, as PostgREST sends it). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

export interface PostgrestErrorBody {
  code: string
  details: unknown
  hint: string | null
  message: string
}

/** PostgREST's error body, key order as PostgREST writes it. */
export function postgrestBody(error: ApiError): PostgrestErrorBody {
  return { code: error.code, details: error.details, hint: error.hint, message: error.message }
}

/**
 * GoTrue's two shapes: from API version 2024-01-01 `{ code: 'error_code', message }`, before it
 * `{ code: status, error_code, msg }`; a weak_password error adds `weak_password.reasons`.
 */
export function gotrueBody(error: ApiError, versioned: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = versioned
    ? { code: error.code, message: error.message }
    : { code: error.status, error_code: error.code, msg: error.message }
  if (error.code === 'weak_password' && Array.isArray(error.details)) body.weak_password = { reasons: error.details }
  return body
}

/**
 * An internal failure in PostgREST's shape: PostgREST's one internal code, and no cause (that
 * goes to the server log, never to the client).
 */
export const internalError = (): ApiError => new ApiError(500, 'PGRSTX00', 'Internal server error', null, 'The server log has the details.')
