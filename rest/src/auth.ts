// JWT → role and claims, as PostgREST does: Authorization: Bearer, else the apikey header, else
// the anonymous role. Verified tokens are remembered until they expire, so a client sending the
// same token again costs a map lookup and no promise. A new HS256 token (what /auth/v1 issues by
// default) is checked with one node:crypto HMAC; anything else, and every token that fails that
// check, goes through jose, whose verdict and error are the reference.
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto'
import { errors as jose, jwtVerify, type JWTPayload } from 'jose'
import { errors } from './errors.ts'

export interface AuthContext {
  role: string
  /**
   * The claims as the JSON `request.jwt.claims` is set to. Only this string is kept (not the
   * parsed object): cached contexts live long enough to reach the old generation, and a token
   * per request would otherwise fill it with objects nobody reads.
   */
  claimsJson: string
  /** True when the role is not the anonymous one (42501 is then 403, not 401), as PostgREST decides. */
  authenticated: boolean
}

const MAX_CACHED = 1000
const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512']
/** Seconds of clock skew allowed on exp and nbf. */
const CLOCK_TOLERANCE = 30

/** The public half of the key /auth/v1 signs access tokens with, when it uses one. */
export interface JwtPublicKey {
  alg: 'ES256' | 'RS256'
  key: KeyObject
}

export class Authenticator {
  /** The shared secret, for the HMAC check and for jose alike. */
  private readonly key: KeyObject
  private readonly anonymous: AuthContext
  /**
   * Verified tokens by their signature, each entry holding the whole token, which must match too:
   * hashing the ~40-character signature for the lookup costs a tenth of hashing the token.
   */
  private readonly cache = new Map<string, { token: string; context: AuthContext; exp: number }>()
  /** Protected headers seen, and whether each is plain HS256 (few distinct ones exist). */
  private readonly plainHs256 = new Map<string, boolean>()

  constructor(
    secret: string,
    private readonly anonRole = 'anon',
    private readonly publicKey?: JwtPublicKey,
  ) {
    this.key = createSecretKey(Buffer.from(secret))
    this.anonymous = context({ role: anonRole }, JSON.stringify({ role: anonRole }), anonRole)
  }

  /** The request's role and claims; a promise only when a token not seen before must be verified. */
  authenticate(headers: Record<string, string>): AuthContext | Promise<AuthContext> {
    const token = tokenFrom(headers)
    if (token === undefined) return this.anonymous
    const signature = token.slice(token.lastIndexOf('.') + 1)
    const hit = this.cache.get(signature)
    if (hit && hit.token === token && hit.exp > Date.now() / 1000) return hit.context
    const parts = token.split('.')
    if (parts.length !== 3) throw errors.jwt(`Expected 3 parts in JWT; got ${parts.length}`)
    const fast = this.verifyHs256(parts as [string, string, string])
    if (fast) return this.remember(token, signature, fast.claims, fast.json)
    return this.verify(token).then((verified) => this.remember(token, signature, verified, JSON.stringify(verified)))
  }

  private remember(token: string, signature: string, claims: JWTPayload, claimsJson: string): AuthContext {
    const result = context(claims, claimsJson, this.anonRole)
    this.cache.delete(signature) // an expired entry, or a refresh: the entry moves to the young end
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!)
    this.cache.set(signature, { token, context: result, exp: typeof claims.exp === 'number' ? claims.exp : Date.now() / 1000 + 60 })
    return result
  }

  /**
   * The claims (and their JSON, as the token carries it) of a plain HS256 token whose signature
   * and time claims hold, checked as jose checks them; undefined sends the token to jose (other
   * algorithms, odd headers, any failure).
   */
  private verifyHs256([header, payload, signature]: [string, string, string]): { claims: JWTPayload; json: string } | undefined {
    let plain = this.plainHs256.get(header)
    if (plain === undefined) {
      plain = isPlainHs256(header)
      if (this.plainHs256.size < 100) this.plainHs256.set(header, plain)
    }
    if (!plain) return undefined
    const expected = createHmac('sha256', this.key).update(`${header}.${payload}`).digest()
    const given = Buffer.from(signature, 'base64url')
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
    const json = Buffer.from(payload, 'base64url').toString()
    let claims: unknown
    try {
      claims = JSON.parse(json)
    } catch {
      return undefined
    }
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return undefined
    const { exp, nbf, iat } = claims as JWTPayload
    const now = Math.floor(Date.now() / 1000)
    if (iat !== undefined && typeof iat !== 'number') return undefined
    if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + CLOCK_TOLERANCE)) return undefined
    if (exp !== undefined && (typeof exp !== 'number' || exp <= now - CLOCK_TOLERANCE)) return undefined
    return { claims: claims as JWTPayload, json }
  }

  private async verify(token: string): Promise<JWTPayload> {
    try {
      const publicKey = this.publicKey
      const algorithms = publicKey ? [...HMAC_ALGORITHMS, publicKey.alg] : HMAC_ALGORITHMS
      const { payload } = await jwtVerify(token, (header) => (publicKey && !header.alg.startsWith('HS') ? publicKey.key : this.key), {
        algorithms,
        clockTolerance: CLOCK_TOLERANCE,
      })
      return payload
    } catch (error) {
      throw jwtError(error)
    }
  }
}

function context(claims: Record<string, unknown>, claimsJson: string, anonRole: string): AuthContext {
  const role = typeof claims.role === 'string' && claims.role !== '' ? claims.role : anonRole
  return { role, claimsJson, authenticated: role !== anonRole }
}

/** A protected header of exactly alg HS256 (and typ), without crit or b64 that jose must judge. */
function isPlainHs256(segment: string): boolean {
  try {
    const header = JSON.parse(Buffer.from(segment, 'base64url').toString()) as Record<string, unknown>
    return typeof header === 'object' && header !== null && header.alg === 'HS256' && Object.keys(header).every((k) => k === 'alg' || k === 'typ' || k === 'kid')
  } catch {
    return false
  }
}

const BEARER = /^bearer\s+(.+)$/i

function tokenFrom(headers: Record<string, string>): string | undefined {
  const authorization = headers.authorization
  if (authorization !== undefined) {
    // The form every client sends, without the regular expression's scan and copies.
    if (authorization.startsWith('Bearer ') && authorization.charCodeAt(7) > 32 && authorization.charCodeAt(authorization.length - 1) > 32) {
      return authorization.slice(7)
    }
    const m = BEARER.exec(authorization.trim())
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
