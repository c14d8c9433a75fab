// Turns a JWT into the security context a live subscription (or an admin call) runs under: role,
// claims, expiry and the key that decides which subscriptions may share a feed. The verdict is the
// hub's one TokenVerifier's (the same as /rest/v1's), refusals in PostgREST's vocabulary; no I/O.
import { TokenRejected, rejectedAsPostgrest, type ApiError, type TokenVerifier } from '@pgstack/common'
import { canonicalJson } from './canonical.ts'

export interface SecurityContext {
  role: string
  /** The claims as `request.jwt.claims`, without the per-token fields (exp, iat, nbf, jti). */
  claims: Record<string, unknown>
  /** Seconds since the epoch, or null for a token that never expires. */
  expiresAt: number | null
  /** Equal for two tokens that must see the same rows. */
  key: string
}

/** Claims that differ between two tokens of the same session and decide nothing about rows. */
const PER_TOKEN_CLAIMS = new Set(['exp', 'iat', 'nbf', 'jti'])

export async function verifyToken(verifier: TokenVerifier, token: string): Promise<SecurityContext | ApiError> {
  let role: string
  let payload: Record<string, unknown>
  let expiresAt: number | null
  try {
    const verified = await verifier.verify(token)
    ;({ role, expiresAt } = verified)
    payload = JSON.parse(verified.claimsJson) as Record<string, unknown>
  } catch (error) {
    if (!(error instanceof TokenRejected)) throw error
    return rejectedAsPostgrest(error)
  }
  const claims: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(payload)) if (!PER_TOKEN_CLAIMS.has(name)) claims[name] = value
  return { role, claims, expiresAt, key: canonicalJson([role, claims]) }
}
