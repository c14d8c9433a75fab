// The project's API keys: HS256 JWTs whose `role` claim is `anon` or `service_role`, signed with
// PGSTACK_JWT_SECRET. Deterministic for a given secret and issue time, so keys survive restarts.
import { SignJWT } from 'jose'

export interface ApiKeys {
  anonKey: string
  serviceKey: string
}

const TEN_YEARS_SECONDS = 10 * 365 * 24 * 3600

export async function signApiKeys(secret: string, issuedAt: number): Promise<ApiKeys> {
  const key = new TextEncoder().encode(secret)
  const sign = (role: string) =>
    new SignJWT({ role, iss: 'pgstack' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + TEN_YEARS_SECONDS)
      .sign(key)
  return { anonKey: await sign('anon'), serviceKey: await sign('service_role') }
}
