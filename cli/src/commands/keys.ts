// `pgstack keys [--rotate]`: the anon and service keys of the current JWT secret, and rotation.
// Both go through the hub's own RuntimeSettings against the database — the mechanism behind
// POST /admin/v1/keys/rotate — so a rotation here is the same rotation: stored in
// pgstack.jwt_secrets, taken at once by every running hub (NOTIFY), the old secret accepted until
// its deadline. The keys in .env are replaced by the new ones.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { loadConfig, RuntimeSettings } from '@pgstack/hub'
import { connect, requireDatabase } from '../database.ts'
import { CliError } from '../errors.ts'
import type { Output } from '../output.ts'
import { envKeysIssuedAt, type Project } from '../project.ts'

function projectSecret(project: Project): { secret: string; issuedAt?: number } {
  if (project.env.PGSTACK_JWT_SECRET) return { secret: project.env.PGSTACK_JWT_SECRET, issuedAt: envKeysIssuedAt(project.env) }
  const devSecrets = join(project.dir, '.pgstack', 'secrets.json')
  if (existsSync(devSecrets)) {
    const secrets = JSON.parse(readFileSync(devSecrets, 'utf8')) as { jwtSecret: string; keysIssuedAt: number }
    return { secret: secrets.jwtSecret, issuedAt: secrets.keysIssuedAt }
  }
  throw new CliError('no JWT secret: PGSTACK_JWT_SECRET is not set', 'set it in the environment or .env (`pgstack init` writes one), or run `pgstack dev` in this folder first')
}

export async function keys(project: Project, options: { rotate?: boolean; grace: number; dbUrl?: string }, out: Output): Promise<void> {
  if (options.grace > 30 * 86_400) throw new CliError('--grace is at most 2592000 seconds (30 days)', undefined, 2)
  const target = requireDatabase(project, options.dbUrl)
  const { secret, issuedAt } = projectSecret(project)
  // fail with the connection's own message before the pool would
  await (await connect(target)).end()
  const pool = new pg.Pool({ connectionString: target.url, max: 2 })
  pool.on('error', () => {})
  try {
    const config = loadConfig({ ...project.env, DATABASE_URL: target.url, PGSTACK_ADMIN_DATABASE_URL: target.url, PGSTACK_JWT_SECRET: secret })
    const settings = new RuntimeSettings(pool, config, out.progress, issuedAt)
    try {
      await settings.load()
    } catch (error) {
      if ((error as { code?: string }).code === '42P01') throw new CliError(`the database from ${target.source} has no pgStack tables yet`, 'run `pgstack migrate up` (or start the server) once')
      throw error
    }
    if (options.rotate) {
      out.progress(`Rotating the JWT secret; the old one stays valid for ${options.grace} s…`)
      await settings.rotate(options.grace)
    }
    const { anonKey, serviceKey } = await settings.apiKeys()
    const { current, previous } = settings.keys
    if (options.rotate && project.envFile) rewriteEnvKeys(project.envFile, anonKey, serviceKey, out)
    out.result({
      anon_key: anonKey,
      service_key: serviceKey,
      current: { id: current.id, fingerprint: current.fingerprint, source: current.source, created_at: current.createdAt },
      previous: previous.map((p) => ({ id: p.id, fingerprint: p.fingerprint, expires_at: p.expiresAt })),
    })
    out.say(`anon key:     ${anonKey}`)
    out.say(`service key:  ${serviceKey}`)
    out.say(`secret:       ${current.fingerprint} (${current.source === 'env' ? 'PGSTACK_JWT_SECRET' : `rotated ${current.createdAt?.toISOString()}`})`)
    for (const p of previous) out.say(`still valid:  ${p.fingerprint} until ${p.expiresAt.toISOString()}`)
  } finally {
    await pool.end()
  }
}

/** Puts the new keys in .env (the secret line stays: the database holds the new secret). */
function rewriteEnvKeys(file: string, anonKey: string, serviceKey: string, out: Output): void {
  const text = readFileSync(file, 'utf8')
  const next = text.replace(/^PGSTACK_ANON_KEY=.*$/m, `PGSTACK_ANON_KEY=${anonKey}`).replace(/^PGSTACK_SERVICE_KEY=.*$/m, `PGSTACK_SERVICE_KEY=${serviceKey}`)
  if (next !== text) {
    writeFileSync(file, next)
    out.progress(`Wrote the new keys to ${file}.`)
  }
}
