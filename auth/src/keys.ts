// Signing keys: the HS256 secret shared with /rest/v1, and an optional ES256/RS256 private key
// whose public half is published at /.well-known/jwks.json. Tokens signed with either verify.
import { createHash, createPrivateKey, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto'
import { exportJWK, type JWK } from 'jose'

export interface SigningKeys {
  /** The HS256 secret as a KeyObject: jose signs and verifies with it ~20% faster than with raw bytes. */
  secret: KeyObject
  /** The key new access tokens are signed with. */
  signing: { alg: 'HS256'; key: KeyObject; kid?: undefined } | { alg: 'ES256' | 'RS256'; key: KeyObject; kid: string }
  publicKey?: { alg: 'ES256' | 'RS256'; key: KeyObject; kid: string }
  jwks: { keys: JWK[] }
}

export async function loadSigningKeys(jwtSecret: string, privateKeyPem?: string): Promise<SigningKeys> {
  const secret = createSecretKey(Buffer.from(jwtSecret, 'utf8'))
  if (!privateKeyPem) return { secret, signing: { alg: 'HS256', key: secret }, jwks: { keys: [] } }
  const privateKey = createPrivateKey(privateKeyPem)
  const type = privateKey.asymmetricKeyType
  let alg: 'ES256' | 'RS256'
  if (type === 'ec' && privateKey.asymmetricKeyDetails?.namedCurve === 'prime256v1') alg = 'ES256'
  else if (type === 'rsa') alg = 'RS256'
  else throw new Error('PGSTACK_AUTH_JWT_PRIVATE_KEY must be an EC P-256 (ES256) or RSA (RS256) private key in PEM')
  const publicKey = createPublicKey(privateKey)
  const der = publicKey.export({ type: 'spki', format: 'der' })
  const kid = createHash('sha256').update(der).digest('base64url').slice(0, 16)
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig', key_ops: ['verify'] }
  return {
    secret,
    signing: { alg, key: privateKey, kid },
    publicKey: { alg, key: publicKey, kid },
    jwks: { keys: [jwk] },
  }
}
