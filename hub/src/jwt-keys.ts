// The keys every part of the server verifies access tokens with, derived from the configuration
// in one place: the HS256 secret and, when auth signs with an ES256/RS256 key, its public half.
// REST, the live endpoint and /metrics all accept exactly what /auth/v1 issues.
import { createPrivateKey, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto'
import type { JWTVerifyGetKey } from 'jose'

export interface JwtVerificationKeys {
  secret: KeyObject
  publicKey?: { alg: 'ES256' | 'RS256'; key: KeyObject }
}

export function jwtVerificationKeys(secret: string, privateKeyPem?: string): JwtVerificationKeys {
  const keys: JwtVerificationKeys = { secret: createSecretKey(Buffer.from(secret, 'utf8')) }
  if (privateKeyPem) {
    const publicKey = createPublicKey(createPrivateKey(privateKeyPem))
    keys.publicKey = { alg: publicKey.asymmetricKeyType === 'rsa' ? 'RS256' : 'ES256', key: publicKey }
  }
  return keys
}

/** jose's verify arguments: the allowed algorithms and a key chosen by the token's `alg`. */
export function joseVerification(
  keys: JwtVerificationKeys,
  hmacAlgorithms: string[] = ['HS256'],
): { key: JWTVerifyGetKey; algorithms: string[] } {
  const algorithms = [...hmacAlgorithms, ...(keys.publicKey ? [keys.publicKey.alg] : [])]
  return {
    algorithms,
    key: (header) => (header.alg.startsWith('HS') || !keys.publicKey ? keys.secret : keys.publicKey.key),
  }
}
