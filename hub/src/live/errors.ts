// The live protocol's error vocabulary: the server's ApiError with the codes of docs/protocol.md
// (token errors come from the shared verifier as PGRST301/303), and the one mapping from a
// PostgreSQL error to it (SQLSTATE as the code, as /rest/v1 does).
import { ApiError, internalError } from '@pgstack/common'

export const LIVE_ERRORS = {
  malformed: ['PGSL001', 400],
  unauthenticated: ['PGSL002', 401],
  duplicateId: ['PGSL003', 409],
  unknownId: ['PGSL004', 404],
  tooMany: ['PGSL005', 429],
  queryDropped: ['PGSL006', 410],
  builderUnavailable: ['PGSL008', 501],
  forbidden: ['PGSL009', 403],
  badParams: ['PGSL010', 400],
} as const satisfies Record<string, readonly [string, number]>

export function liveError(
  kind: keyof typeof LIVE_ERRORS,
  message: string,
  details: string | null = null,
  hint: string | null = null,
): ApiError {
  const [code, status] = LIVE_ERRORS[kind]
  return new ApiError(status, code, message, details, hint)
}

interface PgErrorLike {
  code?: unknown
  message?: unknown
  detail?: unknown
  hint?: unknown
}

/** SQLSTATE class 08 (connection) and 57P (shutdown) and errors without one are worth a retry. */
export function isTransient(error: unknown): boolean {
  const code = (error as PgErrorLike | null)?.code
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true
  return code.startsWith('08') || code.startsWith('57P') || code === '40001' || code === '40P01'
}

/** An ApiError as it goes to a client: PostgreSQL errors keep their SQLSTATE and texts. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error
  const e = error as PgErrorLike | null
  if (typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && typeof e.message === 'string') {
    return new ApiError(400, e.code, e.message, typeof e.detail === 'string' ? e.detail : null, typeof e.hint === 'string' ? e.hint : null)
  }
  return internalError()
}
