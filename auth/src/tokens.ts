// Access tokens: GoTrue's claims signed with the configured key. (They are verified by the hub's
// one TokenVerifier, through guard.ts.)
import { SignJWT, type JWTPayload, type JWTHeaderParameters } from 'jose'
import type { SigningKeys } from './keys.ts'

export interface AmrEntry {
  method: string
  timestamp: number
}

export interface AccessClaims extends JWTPayload {
  sub?: string
  role?: string
  email?: string
  phone?: string
  session_id?: string
  is_anonymous?: boolean
  aal?: string
  amr?: AmrEntry[]
  app_metadata?: Record<string, unknown>
  user_metadata?: Record<string, unknown>
}

export interface TokenSubject {
  id: string
  aud: string
  role: string
  email: string | null
  phone: string | null
  raw_app_meta_data: Record<string, unknown>
  raw_user_meta_data: Record<string, unknown>
  is_anonymous: boolean
}

export interface SignedAccessToken {
  token: string
  expiresAt: number
}

export async function signAccessToken(
  keys: SigningKeys,
  options: { issuer: string; expiry: number },
  user: TokenSubject,
  session: { id: string; aal: string; amr: AmrEntry[] },
): Promise<SignedAccessToken> {
  const now = Math.floor(Date.now() / 1000)
  const expiresAt = now + options.expiry
  const header: JWTHeaderParameters = { alg: keys.signing.alg, typ: 'JWT' }
  if (keys.signing.kid) header.kid = keys.signing.kid
  const token = await new SignJWT({
    iss: options.issuer,
    sub: user.id,
    aud: user.aud,
    exp: expiresAt,
    iat: now,
    email: user.email ?? '',
    phone: user.phone ?? '',
    app_metadata: user.raw_app_meta_data,
    user_metadata: user.raw_user_meta_data,
    role: user.role,
    aal: session.aal,
    amr: session.amr,
    session_id: session.id,
    is_anonymous: user.is_anonymous,
  })
    .setProtectedHeader(header)
    .sign(keys.signing.key)
  return { token, expiresAt }
}
