// What every request that mails a link or code has in common: the redirect it asked for and the
// rate limits it must pass (per IP, per address, and the project's mail budget).
import type { AuthContext } from './context.ts'
import { queryParams, stringField, type AuthRequest } from './http.ts'
import { emailHit, enforceEmailLimits, enforceLimits, ipHit } from './rate-limit.ts'
import { pickRedirect } from './redirect.ts'

/** `redirect_to` from the query string, else the body; the site URL unless it is allowed. */
export function requestedRedirect(ctx: AuthContext, request: AuthRequest, body: Record<string, unknown>): string {
  const requested = queryParams(request).get('redirect_to') ?? stringField(body, 'redirect_to')
  return pickRedirect(requested, ctx.config.siteUrl, ctx.config.redirectUrls)
}

export async function enforceOtpMailLimits(ctx: AuthContext, ip: string, email: string): Promise<void> {
  const { config } = ctx
  await enforceLimits(ctx.pool, [ipHit('otp', ip, config.rateLimits.otp), emailHit('otp', email, config.rateLimits.otp)])
  await enforceEmailLimits(ctx.pool, email, config.rateLimits)
}
