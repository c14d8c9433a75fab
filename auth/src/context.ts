// What every endpoint receives: the pool, the settings, the keys, the log, and the mail sender's
// wake-up. Built once by createAuth; endpoints hold no state of their own.
import type pg from 'pg'
import type { AuthConfig } from './config.ts'
import type { SigningKeys } from './keys.ts'
import type { AuthRequest } from './http.ts'

export interface AuthContext {
  pool: pg.Pool
  config: AuthConfig
  keys: SigningKeys
  log: (line: string) => void
  /** Tells the mail sender that the outbox has new rows. */
  mailQueued(): void
}

/** Public URL of /auth/v1, for links in emails and the token issuer. */
export function externalUrl(ctx: AuthContext, request: AuthRequest): string {
  if (ctx.config.externalUrl) return ctx.config.externalUrl.replace(/\/+$/, '')
  const host = request.headers['x-forwarded-host'] ?? request.headers.host ?? 'localhost'
  const proto = request.headers['x-forwarded-proto'] ?? 'http'
  const prefix = request.path.slice(0, request.path.length - request.routePath.length)
  return `${proto}://${host}${prefix}`
}

export function issuer(ctx: AuthContext, request: AuthRequest): string {
  return ctx.config.jwtIssuer ?? externalUrl(ctx, request)
}
