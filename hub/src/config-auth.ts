// The PGSTACK_AUTH_* part of the configuration (merged into ConfigSchema by config.ts, which stays
// the one place that reads the environment). Defaults are for development: confirmation off, as
// Supabase's local default, and rate limits no local suite trips; production (npm start) replaces
// them with GoTrue's (config-production.ts).
import { Type } from '@sinclair/typebox'
import type { AuthConfig, PasswordCharacterRule } from '@pgstack/auth'

const Bool = (fallback: boolean) =>
  Type.Union([Type.Literal('true'), Type.Literal('false')], { default: String(fallback), description: 'true or false' })
const Int = (minimum: number, fallback: number, maximum = 2_147_483_647) =>
  Type.Integer({ minimum, maximum, default: fallback, description: `an integer from ${minimum} to ${maximum}` })
const HttpUrl = (description: string) => Type.String({ pattern: '^https?://', description })

export const AuthEnvSchema = {
  PGSTACK_AUTH_SITE_URL: Type.String({ pattern: '^https?://', default: 'http://localhost:3000', description: 'an http(s) URL' }),
  PGSTACK_AUTH_EXTERNAL_URL: Type.Optional(HttpUrl('the public http(s) URL of /auth/v1')),
  PGSTACK_AUTH_REDIRECT_URLS: Type.String({ default: '', description: 'a comma-separated list of URL patterns' }),
  PGSTACK_AUTH_AUTOCONFIRM: Bool(true),
  PGSTACK_AUTH_DISABLE_SIGNUP: Bool(false),
  PGSTACK_AUTH_ANONYMOUS_USERS: Bool(true),
  PGSTACK_AUTH_JWT_EXPIRY: Int(30, 3600),
  PGSTACK_AUTH_JWT_ISSUER: Type.Optional(Type.String({ minLength: 1, description: 'a non-empty string' })),
  PGSTACK_AUTH_JWT_PRIVATE_KEY: Type.Optional(Type.String({ pattern: '-----BEGIN [A-Z ]*PRIVATE KEY-----', description: 'a PEM private key (EC P-256 or RSA)' })),
  PGSTACK_AUTH_REFRESH_TOKEN_REUSE_INTERVAL: Int(0, 10),
  PGSTACK_AUTH_SESSION_TIMEBOX: Int(0, 0),
  PGSTACK_AUTH_SESSION_INACTIVITY_TIMEOUT: Int(0, 0),
  PGSTACK_AUTH_PASSWORD_MIN_LENGTH: Int(6, 6, 1024),
  PGSTACK_AUTH_SECURE_PASSWORD_CHANGE: Bool(false),
  PGSTACK_AUTH_SECURE_EMAIL_CHANGE: Bool(true),
  PGSTACK_AUTH_PASSWORD_REQUIRED_CHARACTERS: Type.Optional(
    Type.Union(
      [Type.Literal('letters_digits'), Type.Literal('lower_upper_letters_digits'), Type.Literal('lower_upper_letters_digits_symbols')],
      { description: 'letters_digits, lower_upper_letters_digits or lower_upper_letters_digits_symbols' },
    ),
  ),
  /** scrypt cost log2(N) (r = 8, p = 1); 15 = 32 MiB per hash, 17 = OWASP's recommendation. Lower only for tests. */
  PGSTACK_AUTH_SCRYPT_LOG_N: Int(10, 15, 20),
  PGSTACK_AUTH_OTP_EXPIRY: Int(60, 3600, 86_400),
  PGSTACK_AUTH_OTP_LENGTH: Int(6, 6, 10),
  PGSTACK_AUTH_SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://', description: 'an smtp:// or smtps:// URL' })),
  PGSTACK_AUTH_SMTP_SENDER: Type.String({ minLength: 3, default: 'pgStack <noreply@localhost>', description: 'a From address' }),
  PGSTACK_AUTH_RATE_LIMIT_SIGN_IN: Int(0, 1000),
  PGSTACK_AUTH_RATE_LIMIT_TOKEN_REFRESH: Int(0, 10_000),
  PGSTACK_AUTH_RATE_LIMIT_VERIFY: Int(0, 1000),
  PGSTACK_AUTH_RATE_LIMIT_OTP: Int(0, 1000),
  PGSTACK_AUTH_RATE_LIMIT_EMAIL_SENT: Int(0, 1000),
  PGSTACK_AUTH_EMAIL_MIN_INTERVAL: Int(0, 0),
  PGSTACK_AUTH_TRUST_FORWARDED_FOR: Bool(false),
}

export const AUTH_INTEGER_KEYS = Object.entries(AuthEnvSchema)
  .filter(([, schema]) => (schema as { type?: string }).type === 'integer')
  .map(([key]) => key)

type AuthEnv = Partial<Record<keyof typeof AuthEnvSchema, unknown>>

export function authConfigFromEnv(env: AuthEnv, jwtSecret: string): AuthConfig {
  const int = (key: keyof typeof AuthEnvSchema) => env[key] as number
  const bool = (key: keyof typeof AuthEnvSchema) => env[key] === 'true'
  const str = (key: keyof typeof AuthEnvSchema) => env[key] as string | undefined
  return {
    jwtSecret,
    jwtPrivateKey: str('PGSTACK_AUTH_JWT_PRIVATE_KEY')?.replace(/\\n/g, '\n'),
    jwtExpiry: int('PGSTACK_AUTH_JWT_EXPIRY'),
    jwtIssuer: str('PGSTACK_AUTH_JWT_ISSUER'),
    siteUrl: str('PGSTACK_AUTH_SITE_URL')!,
    externalUrl: str('PGSTACK_AUTH_EXTERNAL_URL'),
    redirectUrls: str('PGSTACK_AUTH_REDIRECT_URLS')!.split(',').map((s) => s.trim()).filter(Boolean),
    autoconfirm: bool('PGSTACK_AUTH_AUTOCONFIRM'),
    disableSignup: bool('PGSTACK_AUTH_DISABLE_SIGNUP'),
    anonymousUsers: bool('PGSTACK_AUTH_ANONYMOUS_USERS'),
    refreshTokenReuseInterval: int('PGSTACK_AUTH_REFRESH_TOKEN_REUSE_INTERVAL'),
    sessionTimebox: int('PGSTACK_AUTH_SESSION_TIMEBOX'),
    sessionInactivityTimeout: int('PGSTACK_AUTH_SESSION_INACTIVITY_TIMEOUT'),
    passwordMinLength: int('PGSTACK_AUTH_PASSWORD_MIN_LENGTH'),
    securePasswordChange: bool('PGSTACK_AUTH_SECURE_PASSWORD_CHANGE'),
    secureEmailChange: bool('PGSTACK_AUTH_SECURE_EMAIL_CHANGE'),
    passwordRequiredCharacters: str('PGSTACK_AUTH_PASSWORD_REQUIRED_CHARACTERS') as PasswordCharacterRule | undefined,
    scryptLogN: int('PGSTACK_AUTH_SCRYPT_LOG_N'),
    otpExpiry: int('PGSTACK_AUTH_OTP_EXPIRY'),
    otpLength: int('PGSTACK_AUTH_OTP_LENGTH'),
    smtpUrl: str('PGSTACK_AUTH_SMTP_URL'),
    smtpSender: str('PGSTACK_AUTH_SMTP_SENDER')!,
    rateLimits: {
      signIn: int('PGSTACK_AUTH_RATE_LIMIT_SIGN_IN'),
      tokenRefresh: int('PGSTACK_AUTH_RATE_LIMIT_TOKEN_REFRESH'),
      verify: int('PGSTACK_AUTH_RATE_LIMIT_VERIFY'),
      otp: int('PGSTACK_AUTH_RATE_LIMIT_OTP'),
      emailSent: int('PGSTACK_AUTH_RATE_LIMIT_EMAIL_SENT'),
      emailInterval: int('PGSTACK_AUTH_EMAIL_MIN_INTERVAL'),
    },
    trustForwardedFor: bool('PGSTACK_AUTH_TRUST_FORWARDED_FOR'),
  }
}
