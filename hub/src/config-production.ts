// What production (`npm start`, the server image) changes from `npm run dev`'s conveniences: the
// auth defaults GoTrue ships (confirmation on, its rate limits, no anonymous sign-ins), the URLs
// mailed links need, and a JWT secret that is not the one `dev` generated. An explicit environment
// value wins in both modes; config.ts applies this, main.ts logs what it changed.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { AuthEnvSchema } from './config-auth.ts'

export type ConfigMode = 'development' | 'production'

/**
 * Defaults production uses instead of the schema's development ones (GoTrue's own defaults:
 * signups and OTP 30, verify 30, token 150 per 5 minutes per IP; 30 mails per hour, one a minute
 * per address; anonymous sign-ins off). Our sign-in limit covers password sign-ins and sign-ups.
 */
export const PRODUCTION_DEFAULTS: Readonly<Record<string, string>> = {
  PGSTACK_AUTH_AUTOCONFIRM: 'false',
  PGSTACK_AUTH_ANONYMOUS_USERS: 'false',
  PGSTACK_AUTH_RATE_LIMIT_SIGN_IN: '30',
  PGSTACK_AUTH_RATE_LIMIT_TOKEN_REFRESH: '150',
  PGSTACK_AUTH_RATE_LIMIT_VERIFY: '30',
  PGSTACK_AUTH_RATE_LIMIT_OTP: '30',
  PGSTACK_AUTH_RATE_LIMIT_EMAIL_SENT: '30',
  PGSTACK_AUTH_EMAIL_MIN_INTERVAL: '60',
}

/** Settings production needs from the environment (development has a default or the Host header). */
export const PRODUCTION_REQUIRED: Readonly<Record<string, string>> = {
  PGSTACK_AUTH_SITE_URL: 'where mailed links land, e.g. https://app.example.com',
  PGSTACK_AUTH_EXTERNAL_URL: 'the public URL of /auth/v1 that mailed links point at, e.g. https://api.example.com/auth/v1',
}

/** Secrets `npm run dev` generates start with this, so production can recognise one anywhere. */
export const DEV_JWT_SECRET_PREFIX = 'pgstack-dev-'
/** Where `npm run dev` keeps its generated secrets, relative to the project directory. */
export const DEV_SECRETS_FILE = join('.pgstack', 'secrets.json')

const given = (env: Record<string, string | undefined>, key: string) => env[key] !== undefined && env[key] !== ''

/** The environment production validates: PRODUCTION_DEFAULTS under what the environment sets. */
export function withProductionDefaults(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const merged: Record<string, string | undefined> = { ...env }
  for (const [key, value] of Object.entries(PRODUCTION_DEFAULTS)) if (!given(env, key)) merged[key] = value
  return merged
}

function isDevSecret(secret: string, projectDir: string): boolean {
  if (secret.startsWith(DEV_JWT_SECRET_PREFIX)) return true
  // Secrets generated before the prefix existed: the project's own dev secret.
  const file = join(projectDir, DEV_SECRETS_FILE)
  if (!existsSync(file)) return false
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { jwtSecret?: string }).jwtSecret === secret
  } catch {
    return false
  }
}

/** What production refuses in `env` (one phrase each, naming the variable and the fix). */
export function productionProblems(env: Record<string, string | undefined>, projectDir = process.cwd()): string[] {
  const problems = Object.entries(PRODUCTION_REQUIRED)
    .filter(([key]) => !given(env, key))
    .map(([key, what]) => `${key} is required in production (${what})`)
  const secret = env.PGSTACK_JWT_SECRET
  if (secret && isDevSecret(secret, projectDir)) {
    problems.push(
      'PGSTACK_JWT_SECRET is the secret `npm run dev` generated: generate one for production (e.g. `openssl rand -base64 48`)',
    )
  }
  return problems
}

function devDefault(key: string): string {
  return String((AuthEnvSchema as Record<string, { default?: unknown }>)[key]?.default)
}

/** The start-up log's account of every setting production sets differently from `dev`. */
export function describeProductionSettings(env: Record<string, string | undefined>): string[] {
  const changed = Object.entries(PRODUCTION_DEFAULTS).filter(([key]) => !given(env, key))
  if (!changed.length) return ['Production mode: every setting that differs from `npm run dev` is set in the environment.']
  return [
    'Production mode: these settings differ from `npm run dev` (set them in the environment to change them):',
    ...changed.map(([key, value]) => `  ${key}=${value} (dev: ${devDefault(key)})`),
    `  and ${Object.keys(PRODUCTION_REQUIRED).join(', ')} and a JWT secret of your own are required.`,
  ]
}
