// The settings /auth/v1 runs with. The hub reads them from the environment (PGSTACK_AUTH_*, in
// hub/src/config.ts, the one config place) and from the settings the admin API stores, and hands
// them over as this plain object (again through Auth.reconfigure when they change).
import type { MailTemplates } from './mail-templates.ts'

export type PasswordCharacterRule = 'letters_digits' | 'lower_upper_letters_digits' | 'lower_upper_letters_digits_symbols'

export interface RateLimits {
  /** Password sign-ins, sign-ups and anonymous sign-ins per IP (and per email) in 5 minutes; 0: off. */
  signIn: number
  /** Refresh-token grants per IP in 5 minutes; 0: off. */
  tokenRefresh: number
  /** Verification attempts (OTP codes, links) per IP in 5 minutes; 0: off. */
  verify: number
  /** OTP, magic-link, recovery and resend requests per IP in 5 minutes; 0: off. */
  otp: number
  /** Emails sent to one address per hour; 0: off. */
  emailSent: number
  /** Seconds before another email may go to the same address (GoTrue's 60 s); 0: off. */
  emailInterval: number
}

export interface AuthConfig {
  /** HS256 secret shared with /rest/v1; API keys and default access tokens are signed with it. */
  jwtSecret: string
  /** Optional PEM private key (EC P-256 → ES256, RSA → RS256) to sign access tokens with instead. */
  jwtPrivateKey?: string
  /** Access-token lifetime in seconds. */
  jwtExpiry: number
  /** `iss` of access tokens; defaults to the external URL. */
  jwtIssuer?: string
  /** Where links send the user when no allowed redirect_to is given. */
  siteUrl: string
  /** Public URL of /auth/v1 for links in emails; derived from the Host header when unset. */
  externalUrl?: string
  /** Extra redirect targets allowed besides siteUrl; `*` matches within a segment, `**` anything. */
  redirectUrls: string[]
  /** Sign-ups are confirmed at once (no confirmation email); Supabase local's default. */
  autoconfirm: boolean
  disableSignup: boolean
  anonymousUsers: boolean
  /** Seconds a revoked refresh token may still be exchanged (lost responses, concurrent tabs). */
  refreshTokenReuseInterval: number
  /** Seconds after which a session can no longer be refreshed, however active; 0: never. */
  sessionTimebox: number
  /** Seconds without a refresh after which a session ends; 0: never. */
  sessionInactivityTimeout: number
  passwordMinLength: number
  /** A password change needs a reauthentication code when the session is older than 24 hours. */
  securePasswordChange: boolean
  /** An email change needs the links sent to both the current and the new address (GoTrue's default). */
  secureEmailChange: boolean
  passwordRequiredCharacters?: PasswordCharacterRule
  /**
   * scrypt cost as log2(N), r = 8, p = 1. 15 (32 MiB per hash) by default, chosen for a usable sign-in
   * rate on small machines; OWASP asks for 17 (128 MiB) — raise it where the sign-in rate allows.
   */
  scryptLogN: number
  otpExpiry: number
  otpLength: number
  /** smtp:// or smtps:// URL; without it mail stays in auth.mail_outbox. */
  smtpUrl?: string
  smtpSender: string
  rateLimits: RateLimits
  /** The project's own mails by kind; the built-in ones otherwise. */
  mailTemplates?: MailTemplates
  /** Take the client address from X-Forwarded-For (only behind a proxy that sets it). */
  trustForwardedFor: boolean
}
