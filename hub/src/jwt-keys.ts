// The keys every part of the server verifies tokens with, derived from the configuration in one
// place: the secret and, when /auth/v1 signs with an ES256/RS256 key, its public half. The hub
// builds one TokenVerifier from them and hands it to REST, auth, the live endpoint and /metrics.
import { createPrivateKey, createPublicKey } from 'node:crypto'
import type { TokenKeys } from '@pgstack/common'

export function tokenKeys(secret: string, privateKeyPem?: string): TokenKeys {
  if (!privateKeyPem) return { secret }
  const publicKey = createPublicKey(createPrivateKey(privateKeyPem))
  return { secret, publicKey: { alg: publicKey.asymmetricKeyType === 'rsa' ? 'RS256' : 'ES256', key: publicKey } }
}
