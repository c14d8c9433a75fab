// @pgstack/common: what the server packages (hub, rest, auth) share — the one token verifier, the
// one API error type with its two renderers, and the one transaction-as-a-role helper. Server-only (node:crypto); sdk and studio never
// import it.
export { ApiError, gotrueBody, internalError, postgrestBody, type PostgrestErrorBody } from './api-error.ts'
export { bearerToken, requestToken, type RequestHeaders } from './request-token.ts'
export { rejectedAsGotrue, rejectedAsPostgrest } from './token-errors.ts'
export {
  CLOCK_SKEW_SECONDS,
  HMAC_ALGORITHMS,
  TokenRejected,
  TokenVerifier,
  type PublicVerificationKey,
  type RejectReason,
  type TokenKeys,
  type VerifiedToken,
} from './token-verifier.ts'
export { inRoleTransaction } from './role-transaction.ts'
