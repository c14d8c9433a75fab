// @pgstack/auth: a GoTrue-compatible /auth/v1 whose state lives entirely in PostgreSQL (schema auth).
// createAuth receives the hub's pool and settings and returns the route handler and its teardown.
import type pg from 'pg'
import type { TokenVerifier } from '@pgstack/common'
import type { AuthConfig } from './config.ts'
import type { AuthContext } from './context.ts'
import type { AuthRequest, AuthResponse } from './http.ts'
import { startJanitor } from './janitor.ts'
import { loadSigningKeys } from './keys.ts'
import { startMailSender } from './mail-sender.ts'
import { createRouter } from './router.ts'

export { authMigrations, type Migration } from './migrations.ts'
export { type AuthErrorCode } from './errors.ts'
export { type AuthConfig, type RateLimits, type PasswordCharacterRule } from './config.ts'
export type { AuthRequest, AuthResponse } from './http.ts'

export interface AuthOptions {
  pool: pg.Pool
  config: AuthConfig
  /** The hub's one token verifier (the same instance /rest/v1 uses). */
  verifier: TokenVerifier
  log?: (line: string) => void
}

export interface Auth {
  handler: (request: AuthRequest) => Promise<AuthResponse>
  close(): Promise<void>
}

export async function createAuth(options: AuthOptions): Promise<Auth> {
  const log = options.log ?? ((line: string) => console.log(line))
  const { pool, config } = options
  const keys = await loadSigningKeys(config.jwtSecret, config.jwtPrivateKey)
  const mail = startMailSender(pool, config.smtpUrl, config.smtpSender, log)
  const janitor = startJanitor(pool, config.otpExpiry, log)
  const ctx: AuthContext = { pool, config, keys, verifier: options.verifier, log, mailQueued: () => mail.wake() }
  const handler = createRouter(ctx)
  let closing: Promise<void> | undefined
  return {
    handler,
    close() {
      closing ??= (async () => {
        janitor.stop()
        await mail.stop()
      })()
      return closing
    },
  }
}
