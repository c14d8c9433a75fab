// The auth settings the admin API shows and stores (docs/admin-api.md, "Auth settings"): each
// one's JSON name, the PGSTACK_AUTH_* variable that pins it, and how its JSON value maps to the
// variable's value. Types, bounds, defaults and descriptions come from the variable's schema in
// config-auth.ts, so the environment and the database are validated by the same rules.
import { AuthEnvSchema } from '../config-auth.ts'

export type AuthEnvKey = keyof typeof AuthEnvSchema

export type FieldKind = 'boolean' | 'integer' | 'string' | 'enum' | 'url_list' | 'secret_url' | 'templates' | 'flag'

export interface AuthField {
  name: string
  env: AuthEnvKey | null
  kind: FieldKind
  group: 'urls' | 'sign_up' | 'passwords' | 'sessions' | 'rate_limits' | 'smtp' | 'mail' | 'deployment'
  /** False: shown, set only through the environment (deployment settings). */
  editable: boolean
  description: string
}

const f = (name: string, env: AuthEnvKey | null, kind: FieldKind, group: AuthField['group'], description: string, editable = true): AuthField => ({
  name,
  env,
  kind,
  group,
  editable,
  description,
})

export const AUTH_FIELDS: AuthField[] = [
  f('site_url', 'PGSTACK_AUTH_SITE_URL', 'string', 'urls', 'Where links send users when no allowed redirect_to is given.'),
  f('external_url', 'PGSTACK_AUTH_EXTERNAL_URL', 'string', 'urls', 'Public URL of /auth/v1 for the links in mails (taken from the Host header when empty).'),
  f('redirect_urls', 'PGSTACK_AUTH_REDIRECT_URLS', 'url_list', 'urls', 'Allowed redirect_to targets besides the site URL; * matches within a path segment, ** anything.'),
  f('disable_signup', 'PGSTACK_AUTH_DISABLE_SIGNUP', 'boolean', 'sign_up', 'Refuse new sign-ups.'),
  f('autoconfirm', 'PGSTACK_AUTH_AUTOCONFIRM', 'boolean', 'sign_up', 'Sign-ups are confirmed at once; off: a confirmation mail is sent and must be followed.'),
  f('anonymous_users', 'PGSTACK_AUTH_ANONYMOUS_USERS', 'boolean', 'sign_up', 'Allow anonymous sign-ins.'),
  f('secure_email_change', 'PGSTACK_AUTH_SECURE_EMAIL_CHANGE', 'boolean', 'sign_up', 'An email change needs the links sent to both the current and the new address.'),
  f('password_min_length', 'PGSTACK_AUTH_PASSWORD_MIN_LENGTH', 'integer', 'passwords', 'Shortest password accepted.'),
  f('password_required_characters', 'PGSTACK_AUTH_PASSWORD_REQUIRED_CHARACTERS', 'enum', 'passwords', 'Character classes every new password must contain.'),
  f('secure_password_change', 'PGSTACK_AUTH_SECURE_PASSWORD_CHANGE', 'boolean', 'passwords', 'A password change in a session older than 24 hours needs a reauthentication code.'),
  f('jwt_expiry', 'PGSTACK_AUTH_JWT_EXPIRY', 'integer', 'sessions', 'Access-token lifetime in seconds.'),
  f('refresh_token_reuse_interval', 'PGSTACK_AUTH_REFRESH_TOKEN_REUSE_INTERVAL', 'integer', 'sessions', 'Seconds a used refresh token may be exchanged again (lost responses, tabs).'),
  f('session_timebox', 'PGSTACK_AUTH_SESSION_TIMEBOX', 'integer', 'sessions', 'Seconds after which a session ends however active it is; 0: never.'),
  f('session_inactivity_timeout', 'PGSTACK_AUTH_SESSION_INACTIVITY_TIMEOUT', 'integer', 'sessions', 'Seconds without a refresh after which a session ends; 0: never.'),
  f('otp_expiry', 'PGSTACK_AUTH_OTP_EXPIRY', 'integer', 'sessions', 'Seconds a mailed code or link stays valid.'),
  f('otp_length', 'PGSTACK_AUTH_OTP_LENGTH', 'integer', 'sessions', 'Digits of a mailed code.'),
  f('rate_limit_sign_in', 'PGSTACK_AUTH_RATE_LIMIT_SIGN_IN', 'integer', 'rate_limits', 'Password sign-ins and sign-ups per IP (and per address) in 5 minutes; 0: off.'),
  f('rate_limit_token_refresh', 'PGSTACK_AUTH_RATE_LIMIT_TOKEN_REFRESH', 'integer', 'rate_limits', 'Refresh-token grants per IP in 5 minutes; 0: off.'),
  f('rate_limit_verify', 'PGSTACK_AUTH_RATE_LIMIT_VERIFY', 'integer', 'rate_limits', 'Verification attempts per IP in 5 minutes; 0: off.'),
  f('rate_limit_otp', 'PGSTACK_AUTH_RATE_LIMIT_OTP', 'integer', 'rate_limits', 'OTP, magic-link, recovery and resend requests per IP in 5 minutes; 0: off.'),
  f('rate_limit_email_sent', 'PGSTACK_AUTH_RATE_LIMIT_EMAIL_SENT', 'integer', 'rate_limits', 'Mails to one address per hour; 0: off.'),
  f('email_min_interval', 'PGSTACK_AUTH_EMAIL_MIN_INTERVAL', 'integer', 'rate_limits', 'Seconds before another mail may go to the same address; 0: off.'),
  f('smtp_url', 'PGSTACK_AUTH_SMTP_URL', 'secret_url', 'smtp', 'smtp:// or smtps:// URL of the mail server; empty: mail stays in the outbox.'),
  f('smtp_sender', 'PGSTACK_AUTH_SMTP_SENDER', 'string', 'smtp', 'From address of every mail.'),
  f('mail_templates', null, 'templates', 'mail', 'The project\'s own mails by kind (subject and HTML with {{ .ConfirmationURL }}-style placeholders); the built-in mail where none is set.'),
  f('jwt_issuer', 'PGSTACK_AUTH_JWT_ISSUER', 'string', 'deployment', 'The iss claim of access tokens (the external URL when empty).', false),
  f('jwt_private_key', 'PGSTACK_AUTH_JWT_PRIVATE_KEY', 'flag', 'deployment', 'An ES256/RS256 private key signs access tokens ("set"), or the HS256 secret does (null).', false),
  f('scrypt_log_n', 'PGSTACK_AUTH_SCRYPT_LOG_N', 'integer', 'deployment', 'scrypt cost of password hashes as log2(N).', false),
  f('trust_forwarded_for', 'PGSTACK_AUTH_TRUST_FORWARDED_FOR', 'boolean', 'deployment', 'Take the client address and host from X-Forwarded-* (only behind a proxy that sets them).', false),
]

export const FIELDS_BY_NAME = new Map(AUTH_FIELDS.map((field) => [field.name, field]))

interface EnvSchemaShape {
  type?: string
  minimum?: number
  maximum?: number
  default?: unknown
  anyOf?: Array<{ const?: unknown }>
}

/** Type facts of a field for the Studio's form. */
export function fieldFacts(field: AuthField): Record<string, unknown> {
  const schema = (field.env ? AuthEnvSchema[field.env] : {}) as EnvSchemaShape
  const facts: Record<string, unknown> = { type: jsonType(field) }
  if (schema.minimum !== undefined) facts.minimum = schema.minimum
  if (schema.maximum !== undefined) facts.maximum = schema.maximum
  if (field.kind === 'enum') facts.enum = [null, ...(schema.anyOf ?? []).map((choice) => choice.const)]
  facts.default = field.env ? toJson(field, schema.default) : {}
  return facts
}

function jsonType(field: AuthField): string {
  switch (field.kind) {
    case 'boolean':
      return 'boolean'
    case 'integer':
      return 'integer'
    case 'url_list':
      return 'string[]'
    case 'templates':
      return 'object'
    default:
      return 'string'
  }
}

/** The variable's value (as config.ts reads it) as the field's JSON value. */
export function toJson(field: AuthField, raw: unknown): unknown {
  if (raw === undefined || raw === null) return field.kind === 'url_list' ? [] : field.kind === 'templates' ? {} : field.kind === 'boolean' ? false : null
  switch (field.kind) {
    case 'boolean':
      return raw === 'true' || raw === true
    case 'url_list':
      return String(raw).split(',').map((s) => s.trim()).filter(Boolean)
    case 'flag':
      return 'set'
    default:
      return raw
  }
}

/** The field's JSON value as the variable's value (undefined: unset); a string for what is wrong. */
export function toRaw(field: AuthField, value: unknown): { raw: unknown } | { error: string } {
  if (value === null) return { raw: undefined }
  switch (field.kind) {
    case 'boolean':
      return typeof value === 'boolean' ? { raw: String(value) } : { error: 'must be true or false' }
    case 'integer':
      return Number.isSafeInteger(value) ? { raw: value } : { error: 'must be an integer' }
    case 'url_list':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.trim() !== '' && !v.includes(','))) {
        return { error: 'must be an array of URL patterns (no commas)' }
      }
      return { raw: value.map((v: string) => v.trim()).join(',') }
    case 'string':
    case 'enum':
    case 'secret_url':
      if (typeof value !== 'string') return { error: 'must be a string or null' }
      return { raw: value === '' ? undefined : value }
    default:
      return { error: 'cannot be set' }
  }
}
