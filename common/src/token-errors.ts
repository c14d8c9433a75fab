// A rejected token in each API's vocabulary. PostgREST's (REST, the live protocol, /metrics, the
// admin API): PGRST301 when the token cannot be decoded or its signature or algorithm is wrong,
// PGRST303 when its claims fail (expired, not yet valid, issued in the future), 401 with
// WWW-Authenticate. GoTrue's (/auth/v1): 403 bad_jwt for every reason.
import { ApiError } from './api-error.ts'
import type { TokenRejected } from './token-verifier.ts'

const CLAIM_REASONS = new Set(['expired', 'not_yet_valid', 'issued_in_future', 'claims'])

export function rejectedAsPostgrest(rejected: TokenRejected, hint: string | null = null): ApiError {
  const code = CLAIM_REASONS.has(rejected.reason) ? 'PGRST303' : 'PGRST301'
  const description = rejected.message.replace(/"/g, "'")
  return new ApiError(401, code, rejected.message, null, hint, { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${description}"` })
}

export function rejectedAsGotrue(rejected: TokenRejected): ApiError {
  const why = rejected.reason === 'expired' ? 'token is expired' : CLAIM_REASONS.has(rejected.reason) ? 'token has invalid claims' : 'signature or format is invalid'
  return new ApiError(403, 'bad_jwt', `invalid JWT: unable to parse or verify signature, ${why}`)
}
