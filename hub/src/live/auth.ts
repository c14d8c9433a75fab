// Turns a JWT into the security context a live subscription runs under: role, claims, expiry and
// the key that decides which subscriptions may share a feed. Verification only; no I/O.
import { errors, jwtVerify, type JWTPayload } from 'jose'
import { joseVerification, type JwtVerificationKeys } from '../jwt-keys.ts'
import type { ApiError } from '../errors.ts'
import { liveError } from './errors.ts'
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

export async function verifyToken(keys: JwtVerificationKeys, token: string): Promise<SecurityContext | ApiError> {
  let payload: JWTPayload
  try {
    const { key, algorithms } = joseVerification(keys)
    ;({ payload } = await jwtVerify(token, key, { algorithms }))
  } catch (error) {
    if (error instanceof errors.JWTExpired) {
      return liveError('jwtExpired', 'JWT expired', null, 'Send {"type":"auth"} with a fresh token.')
    }
    return liveError('jwtInvalid', 'JWT is invalid', (error as Error).message, 'Use a token issued by /auth/v1 or signed with the project\'s JWT secret (HS256).')
  }
  const role = typeof payload.role === 'string' && payload.role !== '' ? payload.role : 'anon'
  const claims: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(payload)) if (!PER_TOKEN_CLAIMS.has(name)) claims[name] = value
  const expiresAt = typeof payload.exp === 'number' ? payload.exp : null
  return { role, claims, expiresAt, key: canonicalJson([role, claims]) }
}
