// `pgstack start`: production — the compiled server (@pgstack/hub/main, what `npm start` runs)
// against DATABASE_URL, a PostgreSQL with pg_reactive; no embedded cluster. First, each in one
// line when wrong: DATABASE_URL set, the database reachable with pg_reactive preloaded, the port
// free; then the app's migrations/ and live/ (unless --skip-migrations).
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { applyProject, describeLive } from '../apply-project.ts'
import { connect, requireReactive } from '../database.ts'
import { CliError } from '../errors.ts'
import type { Output } from '../output.ts'
import { ensureServerPortFree } from '../port.ts'
import type { Project } from '../project.ts'

export async function start(project: Project, options: { skipMigrations?: boolean }, out: Output): Promise<void> {
  const env = project.env
  if (!env.DATABASE_URL) {
    throw new CliError('DATABASE_URL is not set', 'point it at your PostgreSQL with pg_reactive, as the login role authenticator (environment or .env; docs/installation.md)')
  }
  const admin = { url: env.PGSTACK_ADMIN_DATABASE_URL ?? env.DATABASE_URL, source: env.PGSTACK_ADMIN_DATABASE_URL ? 'PGSTACK_ADMIN_DATABASE_URL' : 'DATABASE_URL' }
  const client = await connect(admin)
  try {
    await requireReactive(client, admin)
  } finally {
    await client.end().catch(() => {})
  }
  await ensureServerPortFree(env)
  if (!options.skipMigrations) {
    const { live } = await applyProject(project, admin, out.progress)
    for (const line of describeLive(live)) out.progress(line)
    const failed = live.find((o) => o.action === 'failed')
    if (failed) throw new CliError(failed.error!, 'fix the file (the server was not started)')
  }
  await runCompiledServer(project)
}

/**
 * Installed, this process runs the compiled packages: import the server's entry. In a checkout
 * (sources under tsx), hand over to scripts/start.mjs — `npm start` — which builds when stale and
 * runs dist/ without the source condition.
 */
async function runCompiledServer(project: Project): Promise<void> {
  for (const [key, value] of Object.entries(project.env)) if (value !== undefined) process.env[key] = value
  if (!import.meta.resolve('@pgstack/hub/main').endsWith('.ts')) {
    await import('@pgstack/hub/main')
    return
  }
  const script = join(fileURLToPath(new URL('../../../scripts/start.mjs', import.meta.url)))
  if (!existsSync(script)) throw new CliError('this pgstack runs from sources without the repository\'s scripts/start.mjs', 'install the @pgstack/cli package')
  const nodeOptions = (process.env.NODE_OPTIONS ?? '').replace('--conditions=@pgstack/source', '').trim()
  const child = spawn(process.execPath, [script], { cwd: project.dir, stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: nodeOptions } })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal))
  await new Promise<void>((resolve) => child.on('exit', (code) => {
    process.exitCode = code ?? 1
    resolve()
  }))
}
