// The error vocabulary of /auth/v1: GoTrue's error codes on the server's one error type
// (@pgstack/common's ApiError), and the choice of GoTrue's body shape by the client's
// X-Supabase-Api-Version (what @supabase/auth-js reads). Internal failures never leak their cause.
import { ApiError, gotrueBody } from '@pgstack/common'

/** GoTrue's error codes that this server emits (a subset of auth-js's ErrorCode union). */
export type AuthErrorCode =
  | 'unexpected_failure'
  | 'validation_failed'
  | 'bad_json'
  | 'email_exists'
  | 'phone_exists'
  | 'bad_jwt'
  | 'not_admin'
  | 'no_authorization'
  | 'user_not_found'
  | 'session_not_found'
  | 'session_expired'
  | 'refresh_token_not_found'
  | 'refresh_token_already_used'
  | 'flow_state_not_found'
  | 'flow_state_expired'
  | 'signup_disabled'
  | 'user_banned'
  | 'email_not_confirmed'
  | 'user_already_exists'
  | 'same_password'
  | 'reauthentication_needed'
  | 'reauthentication_not_valid'
  | 'otp_expired'
  | 'otp_disabled'
  | 'weak_password'
  | 'over_request_rate_limit'
  | 'over_email_send_rate_limit'
  | 'bad_code_verifier'
  | 'anonymous_provider_disabled'
  | 'phone_provider_disabled'
  | 'email_provider_disabled'
  | 'invalid_credentials'
  | 'unsupported_grant_type'
  | 'request_timeout'
  | 'not_found'
  | 'unknown'

export const badRequest = (code: AuthErrorCode, message: string) => new ApiError(400, code, message)
export const unauthorized = (code: AuthErrorCode, message: string) => new ApiError(401, code, message)
export const forbidden = (code: AuthErrorCode, message: string) => new ApiError(403, code, message)
export const notFound = (code: AuthErrorCode, message: string) => new ApiError(404, code, message)
export const unprocessable = (code: AuthErrorCode, message: string) => new ApiError(422, code, message)
export const tooManyRequests = (code: AuthErrorCode, message: string) => new ApiError(429, code, message)
export const internal = () =>
  new ApiError(500, 'unexpected_failure', 'Unexpected failure, please check server logs for more information')
/** GoTrue's weak_password error, its reasons (`length`, `characters`, `pwned`) in the body. */
export const weakPassword = (message: string, reasons: string[]) => new ApiError(422, 'weak_password', message, reasons)

export const API_VERSION_HEADER = 'x-supabase-api-version'
export const API_VERSION_2024 = '2024-01-01'

/** True when the client sent an API version at or after 2024-01-01 (auth-js always does). */
export function wantsVersioned(headers: Record<string, string>): boolean {
  const version = headers[API_VERSION_HEADER]
  if (!version || !/^\d{4}-\d{2}-\d{2}$/.test(version)) return false
  return Date.parse(`${version}T00:00:00Z`) >= Date.parse(`${API_VERSION_2024}T00:00:00Z`)
}

/** The body of an error in GoTrue's shape for this client's API version. */
export function errorPayload(error: ApiError, headers: Record<string, string>): Record<string, unknown> {
  return gotrueBody(error, wantsVersioned(headers))
}
