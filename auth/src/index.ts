// @pgstack/auth: a GoTrue-compatible /auth/v1 whose state lives entirely in PostgreSQL (schema auth).
// createAuth receives the hub's pool and settings and returns the route handler and its teardown.
import type pg from 'pg'
import type { TokenVerifier } from '@pgstack/common'
import type { AuthConfig } from './config.ts'
import type { AuthContext } from './context.ts'
import type { AuthRequest, AuthResponse } from './http.ts'
import { startJanitor } from './janitor.ts'
import { loadSigningKeys } from './keys.ts'
import { sendTestMail, startMailSender } from './mail-sender.ts'
import { createRouter } from './router.ts'
import { sendRecoveryAsAdmin } from './endpoints/recover.ts'

export { authMigrations, type Migration } from './migrations.ts'
export { type AuthErrorCode } from './errors.ts'
export { type AuthConfig, type RateLimits, type PasswordCharacterRule } from './config.ts'
export { MAIL_KINDS, PLACEHOLDERS, checkMailTemplates, type MailKind, type MailTemplate, type MailTemplates } from './mail-templates.ts'
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
  /**
   * Serves every request from now on with `config` (the admin API's stored settings, a rotated
   * secret): signing keys, the mail sender and the cleanup follow. No restart, no request lost.
   */
  reconfigure(config: AuthConfig): Promise<void>
  /**
   * Queues a recovery mail for a user as POST /recover does, without its rate limits (the admin
   * API's "send a reset"). `request` gives the links' base as for /recover (a request to /auth/v1).
   * Null for an unknown, deleted or banned user, or one without an email.
   */
  sendRecovery(userId: string, request: AuthRequest, redirectTo?: string): Promise<{ mailId: string; recipient: string } | null>
  /** Sends a test mail over the configured SMTP now; rejects with the server's error. */
  sendTestMail(to: string): Promise<string>
  close(): Promise<void>
}

export async function createAuth(options: AuthOptions): Promise<Auth> {
  const log = options.log ?? ((line: string) => console.log(line))
  const { pool, config } = options
  const keys = await loadSigningKeys(config.jwtSecret, config.jwtPrivateKey)
  let mail = startMailSender(pool, config.smtpUrl, config.smtpSender, log)
  let janitor = startJanitor(pool, config.otpExpiry, log)
  const ctx: AuthContext = { pool, config, keys, verifier: options.verifier, log, mailQueued: () => mail.wake() }
  const handler = createRouter(ctx)
  let closing: Promise<void> | undefined
  // one reconfiguration at a time, in order
  let chain: Promise<void> = Promise.resolve()
  return {
    handler,
    reconfigure(next) {
      chain = chain.then(async () => {
        if (closing) return
        const previous = ctx.config
        if (next.jwtSecret !== previous.jwtSecret || next.jwtPrivateKey !== previous.jwtPrivateKey) {
          ctx.keys = await loadSigningKeys(next.jwtSecret, next.jwtPrivateKey)
        }
        ctx.config = next
        if (next.smtpUrl !== previous.smtpUrl || next.smtpSender !== previous.smtpSender) {
          const old = mail
          mail = startMailSender(pool, next.smtpUrl, next.smtpSender, log)
          await old.stop()
        }
        if (next.otpExpiry !== previous.otpExpiry) {
          janitor.stop()
          janitor = startJanitor(pool, next.otpExpiry, log)
        }
      })
      return chain
    },
    async sendRecovery(userId, request, redirectTo) {
      const sent = await sendRecoveryAsAdmin(ctx, request, userId, redirectTo)
      if (sent) ctx.mailQueued()
      return sent
    },
    sendTestMail(to) {
      const { smtpUrl, smtpSender } = ctx.config
      if (!smtpUrl) return Promise.reject(new Error('no SMTP server is configured'))
      return sendTestMail(pool, smtpUrl, smtpSender, to)
    },
    close() {
      closing ??= (async () => {
        await chain
        janitor.stop()
        await mail.stop()
      })()
      return closing
    },
  }
}
