// The hub's own errors (unknown path, body too large, internal failure) in PostgREST's shape,
// the same vocabulary /rest/v1 and the live protocol use.
export class ApiError extends Error {
  override name = 'ApiError'
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: string | null = null,
    readonly hint: string | null = null,
  ) {
    super(message)
  }
}

export function errorBody(error: ApiError) {
  return { code: error.code, details: error.details, hint: error.hint, message: error.message }
}

export const notFound = (path: string) =>
  new ApiError(404, 'PGRST125', 'Invalid path specified in request URL', `No route serves ${path}`)

export const internalError = () =>
  new ApiError(500, 'PGRST000', 'Internal server error', null, 'The server log has the details.')
