// What every endpoint receives: the pool, the settings, the keys, the verifier, the log, and the mail sender's
// wake-up. Built once by createAuth; endpoints hold no state of their own.
import type pg from 'pg'
import type { TokenVerifier } from '@pgstack/common'
import type { AuthConfig } from './config.ts'
import type { SigningKeys } from './keys.ts'
import type { AuthRequest } from './http.ts'

export interface AuthContext {
  pool: pg.Pool
  config: AuthConfig
  /** Signs access tokens (and publishes the JWKS). */
  keys: SigningKeys
  /** The hub's one token verifier: access tokens are judged as /rest/v1 judges them. */
  verifier: TokenVerifier
  log: (line: string) => void
  /** Tells the mail sender that the outbox has new rows. */
  mailQueued(): void
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1'])

/**
 * Public URL of /auth/v1, for links in emails and the token issuer. Without PGSTACK_AUTH_EXTERNAL_URL
 * the Host header is used only when it names this machine or the site's host: a forged Host must
 * never put an attacker's address into a password-reset mail.
 */
export function externalUrl(ctx: AuthContext, request: AuthRequest): string {
  if (ctx.config.externalUrl) return ctx.config.externalUrl.replace(/\/+$/, '')
  const trust = ctx.config.trustForwardedFor
  const host = (trust ? request.headers['x-forwarded-host'] : undefined) ?? request.headers.host ?? ''
  const proto = (trust ? request.headers['x-forwarded-proto'] : undefined) ?? 'http'
  const prefix = request.path.slice(0, request.path.length - request.routePath.length)
  let site: URL | undefined
  try {
    site = new URL(ctx.config.siteUrl)
  } catch {
    site = undefined
  }
  const hostname = host.replace(/:\d+$/, '')
  if (/^[\w.:[\]-]+$/.test(host) && (LOCAL_HOSTS.has(hostname) || hostname === site?.hostname)) {
    return `${proto === 'https' ? 'https' : 'http'}://${host}${prefix}`
  }
  return `${site?.origin ?? 'http://localhost'}${prefix}`
}

export function issuer(ctx: AuthContext, request: AuthRequest): string {
  return ctx.config.jwtIssuer ?? externalUrl(ctx, request)
}
