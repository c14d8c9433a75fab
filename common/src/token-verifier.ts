// The one JWT verifier of the server: /rest/v1, the live endpoint, /metrics, /auth/v1 and the
// admin API all ask the hub's single instance, so one token gets one verdict everywhere. It owns
// the keys (the current secret, previous secrets until their grace deadline, an optional public
// key) and a cache of verified tokens. It decides only whether a token is good and what it
// claims; each API renders a rejection in its own vocabulary (token-errors.ts).
//
// The rules (PostgREST's, see common/README.md for where GoTrue differs and why we follow PostgREST):
// - algorithms: HS256, HS384, HS512 with a secret; the public key's own algorithm (ES256 or
//   RS256) with it; nothing else (`none` included);
// - time: 30 s of clock skew on exp, nbf and iat (a token is good until 30 s after exp, from
//   30 s before nbf, and not if it was issued more than 30 s in the future);
// - role: the `role` claim, or the anonymous role when there is none.
//
// Fast paths, since REST asks on every request: a token seen before is found by its signature
// (the whole token compared too) and answered without a promise; a new plain-HS256 token is
// checked with one node:crypto HMAC per accepted secret. Anything else, and any token failing the
// HMAC check, goes through jose, whose verdict is the reference.
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto'
import { decodeProtectedHeader, errors as jose, jwtVerify, type JWTPayload } from 'jose'
import { requestToken, type RequestHeaders } from './request-token.ts'

/** Seconds of clock skew allowed on exp, nbf and iat (PostgREST's `allowedSkewSeconds`). */
export const CLOCK_SKEW_SECONDS = 30
/** Algorithms accepted with a shared secret. */
export const HMAC_ALGORITHMS: readonly string[] = ['HS256', 'HS384', 'HS512']

export interface PublicVerificationKey {
  alg: 'ES256' | 'RS256'
  key: KeyObject
}

/** What tokens may be signed with. Rotation replaces the whole set (`setKeys`). */
export interface TokenKeys {
  /** The secret tokens are signed with now. */
  secret: string
  /** Secrets a rotation replaced, each still accepted until its deadline. */
  previousSecrets?: ReadonlyArray<{ secret: string; until: Date }>
  /** The public half of /auth/v1's ES256/RS256 signing key, when it has one. */
  publicKey?: PublicVerificationKey
}

export interface VerifiedToken {
  /** The `role` claim, or the anonymous role. */
  role: string
  /**
   * The claims as JSON (what `request.jwt.claims` is set to). Only this string is kept, not the
   * parsed object: cached entries live long enough to reach the old generation, and a token per
   * request would otherwise fill it with objects nobody reads. Parse it where claims are needed.
   */
  claimsJson: string
  /** The role is not the anonymous one (PostgREST then answers 42501 with 403, not 401). */
  authenticated: boolean
  /** The `exp` claim (seconds since the epoch), or null for a token that never expires. */
  expiresAt: number | null
}

export type RejectReason = 'malformed' | 'algorithm' | 'signature' | 'expired' | 'not_yet_valid' | 'issued_in_future' | 'claims'

/** A verdict, not an API error: each API turns it into its own (token-errors.ts). */
export class TokenRejected extends Error {
  override name = 'TokenRejected'
  constructor(
    readonly reason: RejectReason,
    /** PostgREST's message for the reason ("JWT expired", …). */
    message: string,
  ) {
    super(message)
  }
}

interface Secret {
  key: KeyObject
  /** Seconds since the epoch after which tokens signed with it fail; Infinity for the current one. */
  until: number
}

interface CacheEntry {
  token: string
  verified: VerifiedToken
  /** Seconds since the epoch: the token's exp, its secret's deadline, or a minute for a token without exp. */
  until: number
}

const MAX_CACHED = 1000
/** A token without exp is verified again after this many seconds (keys may have rotated). */
const NO_EXP_RECHECK_SECONDS = 60

export class TokenVerifier {
  private secrets: Secret[] = []
  private publicKey: PublicVerificationKey | undefined
  /** Bumped by setKeys: a verification started before must not fill the cache. */
  private generation = 0
  private readonly anonymous: VerifiedToken
  /**
   * Verified tokens by their signature, each entry holding the whole token, which must match too:
   * hashing the ~40-character signature for the lookup costs a tenth of hashing the token.
   */
  private readonly cache = new Map<string, CacheEntry>()
  /** Protected headers seen, and whether each is plain HS256 (few distinct ones exist). */
  private readonly plainHs256 = new Map<string, boolean>()

  constructor(
    keys: TokenKeys,
    readonly anonRole = 'anon',
  ) {
    this.anonymous = verified(JSON.stringify({ role: anonRole }), { role: anonRole }, anonRole)
    this.setKeys(keys)
  }

  /** The secret new HS256 tokens are signed with: the current one of a rotation. */
  get signingSecret(): KeyObject {
    return this.secrets[0]!.key
  }

  /** Replaces the keys (a rotation). Tokens verified before are checked again on their next use. */
  setKeys(keys: TokenKeys): void {
    this.secrets = [
      { key: createSecretKey(Buffer.from(keys.secret, 'utf8')), until: Infinity },
      ...(keys.previousSecrets ?? []).map(({ secret, until }) => ({ key: createSecretKey(Buffer.from(secret, 'utf8')), until: until.getTime() / 1000 })),
    ]
    this.publicKey = keys.publicKey
    this.generation++
    this.cache.clear()
  }

  /** The token of the request (Bearer, else apikey), or the anonymous role without one. */
  authenticate(headers: RequestHeaders): VerifiedToken | Promise<VerifiedToken> {
    const token = requestToken(headers)
    return token === undefined ? this.anonymous : this.verify(token)
  }

  /**
   * The token's role and claims; a promise only when a token not seen before needs jose.
   * Rejects (or throws, for a token that is not three parts) with TokenRejected.
   */
  verify(token: string): VerifiedToken | Promise<VerifiedToken> {
    const signature = token.slice(token.lastIndexOf('.') + 1)
    const hit = this.cache.get(signature)
    if (hit && hit.token === token && hit.until > Date.now() / 1000) return hit.verified
    const parts = token.split('.')
    if (parts.length !== 3) throw new TokenRejected('malformed', `Expected 3 parts in JWT; got ${parts.length}`)
    const fast = this.verifyHs256(parts as [string, string, string])
    if (fast) return this.remember(token, signature, fast.claims, fast.json, fast.until, this.generation)
    const generation = this.generation
    return this.verifyWithJose(token).then(({ claims, until }) => this.remember(token, signature, claims, JSON.stringify(claims), until, generation))
  }

  private remember(token: string, signature: string, claims: JWTPayload, claimsJson: string, keyUntil: number, generation: number): VerifiedToken {
    const result = verified(claimsJson, claims, this.anonRole)
    if (generation !== this.generation) return result // keys changed meanwhile: judged, not kept
    this.cache.delete(signature) // an expired entry, or a refresh: the entry moves to the young end
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!)
    const exp = typeof claims.exp === 'number' ? claims.exp : Date.now() / 1000 + NO_EXP_RECHECK_SECONDS
    this.cache.set(signature, { token, verified: result, until: Math.min(exp, keyUntil) })
    return result
  }

  /**
   * The claims (and their JSON, as the token carries it) of a plain HS256 token whose signature
   * and time claims hold, checked as jose checks them; undefined sends the token to jose (other
   * algorithms, odd headers, any failure), which gives the verdict and its reason.
   */
  private verifyHs256([header, payload, signature]: [string, string, string]): { claims: JWTPayload; json: string; until: number } | undefined {
    let plain = this.plainHs256.get(header)
    if (plain === undefined) {
      plain = isPlainHs256(header)
      if (this.plainHs256.size < 100) this.plainHs256.set(header, plain)
    }
    if (!plain) return undefined
    const given = Buffer.from(signature, 'base64url')
    if (given.length !== 32) return undefined
    const now = Date.now() / 1000
    const signed = `${header}.${payload}`
    let until: number | undefined
    for (const secret of this.secrets) {
      if (secret.until <= now) continue
      if (timingSafeEqual(given, createHmac('sha256', secret.key).update(signed).digest())) {
        until = secret.until
        break
      }
    }
    if (until === undefined) return undefined
    const json = Buffer.from(payload, 'base64url').toString()
    let claims: unknown
    try {
      claims = JSON.parse(json)
    } catch {
      return undefined
    }
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return undefined
    const { exp, nbf, iat } = claims as JWTPayload
    const seconds = Math.floor(now)
    if (iat !== undefined && (typeof iat !== 'number' || iat > seconds + CLOCK_SKEW_SECONDS)) return undefined
    if (nbf !== undefined && (typeof nbf !== 'number' || nbf > seconds + CLOCK_SKEW_SECONDS)) return undefined
    if (exp !== undefined && (typeof exp !== 'number' || exp <= seconds - CLOCK_SKEW_SECONDS)) return undefined
    return { claims: claims as JWTPayload, json, until }
  }

  /** jose's verdict, with the key the header's algorithm calls for (each live secret in turn). */
  private async verifyWithJose(token: string): Promise<{ claims: JWTPayload; until: number }> {
    let alg: unknown
    try {
      alg = decodeProtectedHeader(token).alg
    } catch {
      throw new TokenRejected('malformed', 'JWT cryptographic operation failed')
    }
    const now = Date.now() / 1000
    const candidates: Secret[] = typeof alg === 'string' && HMAC_ALGORITHMS.includes(alg)
      ? this.secrets.filter((secret) => secret.until > now)
      : this.publicKey && alg === this.publicKey.alg
        ? [{ key: this.publicKey.key, until: Infinity }]
        : []
    if (candidates.length === 0) throw new TokenRejected('algorithm', 'Wrong or unsupported encoding algorithm')
    for (let i = 0; ; i++) {
      const candidate = candidates[i]!
      try {
        const { payload } = await jwtVerify(token, candidate.key, { algorithms: [alg as string], clockTolerance: CLOCK_SKEW_SECONDS })
        // jose checks iat only against a maximum age; PostgREST refuses one from the future.
        if (typeof payload.iat === 'number' && payload.iat > Math.floor(Date.now() / 1000) + CLOCK_SKEW_SECONDS) {
          throw new TokenRejected('issued_in_future', 'JWT issued at future')
        }
        return { claims: payload, until: candidate.until }
      } catch (error) {
        if (error instanceof jose.JWSSignatureVerificationFailed && i + 1 < candidates.length) continue
        throw rejection(error)
      }
    }
  }
}

function verified(claimsJson: string, claims: JWTPayload, anonRole: string): VerifiedToken {
  const role = typeof claims.role === 'string' && claims.role !== '' ? claims.role : anonRole
  return { role, claimsJson, authenticated: role !== anonRole, expiresAt: typeof claims.exp === 'number' ? claims.exp : null }
}

/** A protected header of exactly alg HS256 (and typ, kid), without crit or b64 that jose must judge. */
function isPlainHs256(segment: string): boolean {
  try {
    const header = JSON.parse(Buffer.from(segment, 'base64url').toString()) as Record<string, unknown>
    return typeof header === 'object' && header !== null && header.alg === 'HS256' && Object.keys(header).every((k) => k === 'alg' || k === 'typ' || k === 'kid')
  } catch {
    return false
  }
}

/** jose's error as a verdict with PostgREST's message. */
function rejection(error: unknown): TokenRejected {
  if (error instanceof TokenRejected) return error
  if (error instanceof jose.JWTExpired) return new TokenRejected('expired', 'JWT expired')
  if (error instanceof jose.JWTClaimValidationFailed) {
    const claim = error.claim
    if (error.reason === 'invalid' && (claim === 'exp' || claim === 'nbf' || claim === 'iat')) {
      return new TokenRejected('claims', `The JWT '${claim}' claim must be a number`)
    }
    if (claim === 'nbf') return new TokenRejected('not_yet_valid', 'JWT not yet valid')
    return new TokenRejected('claims', 'JWT claims validation failed')
  }
  if (error instanceof jose.JWTInvalid) return new TokenRejected('claims', 'Parsing claims failed')
  if (error instanceof jose.JOSEAlgNotAllowed || error instanceof jose.JOSENotSupported) {
    return new TokenRejected('algorithm', 'Wrong or unsupported encoding algorithm')
  }
  if (error instanceof jose.JWSSignatureVerificationFailed) return new TokenRejected('signature', 'JWT cryptographic operation failed')
  return new TokenRejected('malformed', 'JWT cryptographic operation failed')
}
