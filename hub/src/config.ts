// Configuration from the environment, validated with TypeBox. One place for every setting the
// process reads; a wrong value stops start-up with a message that names the variable.
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { AuthConfig } from '@pgstack/auth'
import { AUTH_INTEGER_KEYS, AuthEnvSchema, authConfigFromEnv } from './config-auth.ts'
import { productionProblems, withProductionDefaults, type ConfigMode } from './config-production.ts'

const PostgresUrl = Type.String({ pattern: '^postgres(ql)?://', description: 'a postgres:// URL' })

export const ConfigSchema = Type.Object({
  DATABASE_URL: PostgresUrl,
  /** Connection with rights to run migrations (owner or superuser); defaults to DATABASE_URL. */
  PGSTACK_ADMIN_DATABASE_URL: Type.Optional(PostgresUrl),
  PGSTACK_JWT_SECRET: Type.String({ minLength: 32, description: 'at least 32 characters' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'a TCP port (0–65535)' }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'an address to listen on' }),
  PGSTACK_DB_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 1000, default: 20, description: 'an integer from 1 to 1000' }),
  PGSTACK_MAX_BODY_BYTES: Type.Integer({ minimum: 1024, default: 10 * 1024 * 1024, description: 'an integer ≥ 1024' }),
  /** How long a stop signal waits for connections and PostgreSQL clients to close before exiting anyway. */
  PGSTACK_SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 0, default: 10_000, description: 'an integer ≥ 0 (milliseconds)' }),
  PGSTACK_REST_SCHEMAS: Type.String({ pattern: '^\\s*[^,\\s]+(\\s*,\\s*[^,\\s]+)*\\s*$', default: 'public', description: 'a comma-separated list of schema names' }),
  /** Live protocol: bytes a socket may buffer; past half of it its subscriptions lag and resync. */
  PGSTACK_LIVE_MAX_BUFFER_BYTES: Type.Integer({ minimum: 4096, default: 1024 * 1024, description: 'an integer ≥ 4096' }),
  PGSTACK_LIVE_HEARTBEAT_MS: Type.Integer({ minimum: 100, default: 25_000, description: 'an integer ≥ 100 (milliseconds)' }),
  /** How long a feed outlives its last subscriber, so that a reconnecting client resumes. */
  PGSTACK_LIVE_FEED_LINGER_MS: Type.Integer({ minimum: 0, default: 30_000, description: 'an integer ≥ 0 (milliseconds)' }),
  PGSTACK_LIVE_MAX_SUBSCRIPTIONS: Type.Integer({ minimum: 1, default: 100, description: 'an integer ≥ 1 (per socket)' }),
  /** Deltas per feed kept for resuming clients. */
  PGSTACK_LIVE_REPLAY_DELTAS: Type.Integer({ minimum: 0, default: 256, description: 'an integer ≥ 0' }),
  ...AuthEnvSchema,
})

export type Env = Static<typeof ConfigSchema>

export interface Config {
  databaseUrl: string
  adminDatabaseUrl: string
  jwtSecret: string
  port: number
  host: string
  poolSize: number
  maxBodyBytes: number
  shutdownTimeoutMs: number
  restSchemas: string[]
  live: {
    maxBufferBytes: number
    heartbeatMs: number
    feedLingerMs: number
    maxSubscriptions: number
    replayDeltas: number
  }
  auth: AuthConfig
  /**
   * The PGSTACK_AUTH_* variables the environment set, as read (integers as numbers): they win over
   * the settings stored in the database (the admin API shows them as pinned).
   */
  authEnv: Record<string, unknown>
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

const LIVE_INTEGER_KEYS = [
  'PGSTACK_LIVE_MAX_BUFFER_BYTES',
  'PGSTACK_LIVE_HEARTBEAT_MS',
  'PGSTACK_LIVE_FEED_LINGER_MS',
  'PGSTACK_LIVE_MAX_SUBSCRIPTIONS',
  'PGSTACK_LIVE_REPLAY_DELTAS',
]
const INTEGER_KEYS = new Set(['PORT', 'PGSTACK_DB_POOL_SIZE', 'PGSTACK_MAX_BODY_BYTES', 'PGSTACK_SHUTDOWN_TIMEOUT_MS', ...LIVE_INTEGER_KEYS, ...AUTH_INTEGER_KEYS])

/**
 * Reads and validates the configuration; throws ConfigError naming every wrong variable.
 * `production` (npm start) swaps the development defaults for safe ones (config-production.ts).
 */
export function loadConfig(
  given: Record<string, string | undefined> = process.env,
  mode: ConfigMode = 'development',
): Config {
  const env = mode === 'production' ? withProductionDefaults(given) : given
  const raw: Record<string, unknown> = {}
  for (const key of Object.keys(ConfigSchema.properties)) {
    const value = env[key]
    if (value === undefined || value === '') continue
    raw[key] = INTEGER_KEYS.has(key) && /^-?\d+$/.test(value.trim()) ? Number(value) : value
  }
  // (Value.Default fills `raw` in place: take the variables that were set first)
  const authEnv = Object.fromEntries(Object.entries(raw).filter(([key]) => key in AuthEnvSchema))
  const withDefaults = Value.Default(ConfigSchema, raw) as Record<string, unknown>
  const problems = [...Value.Errors(ConfigSchema, withDefaults)].map((error) => {
    const key = error.path.replace(/^\//, '')
    const schema = (ConfigSchema.properties as Record<string, { description?: string }>)[key]
    if (!key) return error.message
    if (withDefaults[key] === undefined) return `${key} is required (${schema?.description ?? error.message})`
    return `${key} must be ${schema?.description ?? error.message} (got ${JSON.stringify(env[key])})`
  })
  if (mode === 'production') problems.push(...productionProblems(env))
  if (problems.length) {
    const unique = [...new Set(problems)]
    throw new ConfigError(`Invalid configuration: ${unique.join('; ')}.`)
  }
  const env2 = withDefaults as Env
  return {
    databaseUrl: env2.DATABASE_URL,
    adminDatabaseUrl: env2.PGSTACK_ADMIN_DATABASE_URL ?? env2.DATABASE_URL,
    jwtSecret: env2.PGSTACK_JWT_SECRET,
    port: env2.PORT,
    host: env2.HOST,
    poolSize: env2.PGSTACK_DB_POOL_SIZE,
    maxBodyBytes: env2.PGSTACK_MAX_BODY_BYTES,
    shutdownTimeoutMs: env2.PGSTACK_SHUTDOWN_TIMEOUT_MS,
    restSchemas: env2.PGSTACK_REST_SCHEMAS.split(',').map((s) => s.trim()),
    live: {
      maxBufferBytes: env2.PGSTACK_LIVE_MAX_BUFFER_BYTES,
      heartbeatMs: env2.PGSTACK_LIVE_HEARTBEAT_MS,
      feedLingerMs: env2.PGSTACK_LIVE_FEED_LINGER_MS,
      maxSubscriptions: env2.PGSTACK_LIVE_MAX_SUBSCRIPTIONS,
      replayDeltas: env2.PGSTACK_LIVE_REPLAY_DELTAS,
    },
    auth: authConfigFromEnv(env2, env2.PGSTACK_JWT_SECRET),
    authEnv,
  }
}
