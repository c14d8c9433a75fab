// JWT → role and claims, as PostgREST does: Authorization: Bearer, else the apikey header, else
// the anonymous role. Verified tokens are remembered until they expire, so a client sending the
// same token again costs a map lookup, not an HMAC.
import type { KeyObject } from 'node:crypto'
import { errors as jose, jwtVerify, type JWTPayload } from 'jose'
import { errors } from './errors.ts'

export interface AuthContext {
  role: string
  claims: Record<string, unknown>
  /** True when the role is not the anonymous one (42501 is then 403, not 401), as PostgREST decides. */
  authenticated: boolean
}

const MAX_CACHED = 1000
const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512']

/** The public half of the key /auth/v1 signs access tokens with, when it uses one. */
export interface JwtPublicKey {
  alg: 'ES256' | 'RS256'
  key: KeyObject
}

export class Authenticator {
  private readonly key: Uint8Array
  private readonly cache = new Map<string, { claims: JWTPayload; exp: number }>()

  constructor(
    secret: string,
    private readonly anonRole = 'anon',
    private readonly publicKey?: JwtPublicKey,
  ) {
    this.key = new TextEncoder().encode(secret)
  }

  async authenticate(headers: Record<string, string>): Promise<AuthContext> {
    const token = tokenFrom(headers)
    if (token === undefined) return { role: this.anonRole, claims: { role: this.anonRole }, authenticated: false }
    const claims = await this.verify(token)
    const role = typeof claims.role === 'string' && claims.role !== '' ? claims.role : this.anonRole
    return { role, claims, authenticated: role !== this.anonRole }
  }

  private async verify(token: string): Promise<JWTPayload> {
    const now = Date.now() / 1000
    const hit = this.cache.get(token)
    if (hit && hit.exp > now) return hit.claims
    if (hit) this.cache.delete(token)
    const parts = token.split('.').length
    if (parts !== 3) throw errors.jwt(`Expected 3 parts in JWT; got ${parts}`)
    let claims: JWTPayload
    try {
      const publicKey = this.publicKey
      const algorithms = publicKey ? [...HMAC_ALGORITHMS, publicKey.alg] : HMAC_ALGORITHMS
      ;({ payload: claims } = await jwtVerify(
        token,
        (header) => (publicKey && !header.alg.startsWith('HS') ? publicKey.key : this.key),
        { algorithms, clockTolerance: 30 },
      ))
    } catch (error) {
      throw jwtError(error)
    }
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!)
    this.cache.set(token, { claims, exp: typeof claims.exp === 'number' ? claims.exp : now + 60 })
    return claims
  }
}

function tokenFrom(headers: Record<string, string>): string | undefined {
  const authorization = headers.authorization
  if (authorization !== undefined) {
    const m = /^bearer\s+(.+)$/i.exec(authorization.trim())
    return m ? m[1]!.trim() : undefined
  }
  const apikey = headers.apikey?.trim()
  return apikey ? apikey : undefined
}

function jwtError(error: unknown) {
  if (error instanceof jose.JWTExpired) return errors.jwtClaims('JWT expired')
  if (error instanceof jose.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return errors.jwtClaims('JWT not yet valid')
    if (error.claim === 'iat') return errors.jwtClaims('JWT issued at future')
    return errors.jwtClaims('JWT claims validation failed')
  }
  if (error instanceof jose.JOSEAlgNotAllowed || error instanceof jose.JOSENotSupported) return errors.jwt('Wrong or unsupported encoding algorithm')
  if (error instanceof jose.JWSSignatureVerificationFailed) return errors.jwt('JWT cryptographic operation failed')
  return errors.jwt('JWT cryptographic operation failed')
}
