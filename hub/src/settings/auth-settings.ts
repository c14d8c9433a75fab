// The auth settings stored in pgstack.auth_settings, merged with the environment: defaults, then
// what the Studio stored, then every PGSTACK_AUTH_* variable that is set (it wins, and pins the
// setting). Validated by the same schema as the environment; the result is auth's AuthConfig.
import { Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type pg from 'pg'
import { checkMailTemplates, type AuthConfig, type MailTemplates } from '@pgstack/auth'
import { adminError, invalid } from '../admin/errors.ts'
import { asRole } from '../admin/db.ts'
import { AuthEnvSchema, authConfigFromEnv } from '../config-auth.ts'
import { AUTH_FIELDS, FIELDS_BY_NAME, fieldFacts, toJson, toRaw, type AuthField } from './auth-fields.ts'

const AuthEnvObject = Type.Object(AuthEnvSchema)
const MASK = '********'

export interface StoredSetting {
  name: string
  value: unknown
  updated_at: string
  updated_by: string | null
}

function maskUrl(url: unknown): unknown {
  if (typeof url !== 'string') return url
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = MASK
    return parsed.toString()
  } catch {
    return url
  }
}

/** What is wrong with the merged variables, by field name; empty when valid. */
function problemsOf(raw: Record<string, unknown>): Map<string, string> {
  const withDefaults = Value.Default(AuthEnvObject, structuredClone(raw)) as Record<string, unknown>
  const problems = new Map<string, string>()
  for (const error of Value.Errors(AuthEnvObject, withDefaults)) {
    const env = error.path.replace(/^\//, '')
    const field = AUTH_FIELDS.find((f) => f.env === env)
    const description = (AuthEnvSchema as Record<string, { description?: string }>)[env]?.description ?? error.message
    if (field && !problems.has(field.name)) problems.set(field.name, `${field.name} must be ${description}`)
  }
  return problems
}

export class AuthSettings {
  private stored = new Map<string, StoredSetting>()

  constructor(
    private readonly pool: pg.Pool,
    /** The PGSTACK_AUTH_* variables the environment set (config.authEnv). */
    private readonly env: Record<string, unknown>,
    private readonly log: (line: string) => void,
  ) {}

  async load(): Promise<void> {
    const { rows } = await asRole(this.pool, 'pgstack_admin', (db) =>
      db.query<StoredSetting>('SELECT name, value, updated_at::text, updated_by FROM pgstack.auth_settings'),
    )
    this.stored = new Map(rows.map((row) => [row.name, row]))
  }

  private source(field: AuthField): 'env' | 'database' | 'default' {
    if (field.env && field.env in this.env) return 'env'
    return this.stored.has(field.name) ? 'database' : 'default'
  }

  /** Variables from the stored settings, then the environment's over them. */
  private rawWith(patch: Map<string, unknown> = new Map()): Record<string, unknown> {
    const raw: Record<string, unknown> = {}
    for (const field of AUTH_FIELDS) {
      if (!field.env || !field.editable) continue
      const value = patch.has(field.name) ? patch.get(field.name) : this.stored.get(field.name)?.value
      if (value === undefined) continue
      const converted = toRaw(field, value)
      if ('raw' in converted && converted.raw !== undefined) raw[field.env] = converted.raw
    }
    return { ...raw, ...this.env }
  }

  private templates(): MailTemplates {
    const value = this.stored.get('mail_templates')?.value
    return value !== undefined && checkMailTemplates(value) === null ? (value as MailTemplates) : {}
  }

  /** The configuration /auth/v1 runs with, signed with `jwtSecret` (the key ring's current one). */
  effective(jwtSecret: string): AuthConfig {
    let raw = this.rawWith()
    const problems = problemsOf(raw)
    if (problems.size > 0) {
      // a stored value someone wrote by hand that does not validate: leave it out, say so
      this.log(`auth settings: ignoring invalid stored values: ${[...problems.values()].join('; ')}`)
      const drop = new Map<string, unknown>()
      for (const name of problems.keys()) drop.set(name, null)
      raw = this.rawWith(drop)
    }
    const withDefaults = Value.Default(AuthEnvObject, raw) as Record<string, unknown>
    return { ...authConfigFromEnv(withDefaults, jwtSecret), mailTemplates: this.templates() }
  }

  /** GET /admin/v1/auth/settings. */
  view() {
    const withDefaults = Value.Default(AuthEnvObject, this.rawWith()) as Record<string, unknown>
    const settings: Record<string, unknown> = {}
    for (const field of AUTH_FIELDS) {
      const value = field.kind === 'templates' ? this.templates() : toJson(field, withDefaults[field.env!])
      settings[field.name] = field.kind === 'secret_url' ? maskUrl(value) : value
    }
    const fields = AUTH_FIELDS.map((field) => {
      const source = this.source(field)
      return { name: field.name, ...fieldFacts(field), env: field.env, source, pinned: source === 'env', editable: field.editable, group: field.group, description: field.description }
    })
    const times = [...this.stored.values()].map((row) => row.updated_at).sort()
    return { settings, fields, updated_at: times[times.length - 1] ?? null }
  }

  /** Checks a PATCH body and stores it (all or nothing); call load() and apply afterwards. */
  async update(body: Record<string, unknown>, by: string): Promise<void> {
    const patch = new Map<string, unknown>()
    const pinned: string[] = []
    for (const [name, value] of Object.entries(body)) {
      const field = FIELDS_BY_NAME.get(name)
      if (!field) throw invalid(`there is no auth setting ${JSON.stringify(name)}`, `Settings: ${AUTH_FIELDS.filter((f) => f.editable).map((f) => f.name).join(', ')}.`)
      if (!field.editable) throw invalid(`${name} is a deployment setting: set ${field.env} in the environment`)
      if (this.source(field) === 'env') pinned.push(`${name} (${field.env})`)
      if (field.kind === 'templates') {
        const problem = value === null ? null : checkMailTemplates(value)
        if (problem) throw invalid(`mail_templates ${problem}`)
      } else {
        const converted = toRaw(field, value)
        if ('error' in converted) throw invalid(`${name} ${converted.error}`)
      }
      patch.set(name, field.kind === 'secret_url' ? this.unmask(value) : value)
    }
    if (pinned.length) {
      throw adminError('pinned', `set by the environment, which wins: ${pinned.join(', ')}`, pinned.join(', '), 'Unset the variable and restart to manage the setting here.')
    }
    const problems = problemsOf(this.rawWith(patch))
    for (const name of patch.keys()) {
      const problem = problems.get(name)
      if (problem) throw invalid(problem)
    }
    await asRole(this.pool, 'pgstack_admin', async (db) => {
      for (const [name, value] of patch) {
        if (value === null || value === '') await db.query('DELETE FROM pgstack.auth_settings WHERE name = $1', [name])
        else {
          await db.query(
            `INSERT INTO pgstack.auth_settings (name, value, updated_by) VALUES ($1, $2::jsonb, $3)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = now(), updated_by = excluded.updated_by`,
            [name, JSON.stringify(value), by],
          )
        }
      }
    })
  }

  /** A masked password sent back means "keep the stored one". */
  private unmask(value: unknown): unknown {
    if (typeof value !== 'string' || !value.includes(MASK)) return value
    const current = this.stored.get('smtp_url')?.value
    try {
      const next = new URL(value)
      if (decodeURIComponent(next.password) !== MASK || typeof current !== 'string') return value
      next.password = new URL(current).password
      return next.toString()
    } catch {
      return value
    }
  }
}
