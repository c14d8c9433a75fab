// `pgstack dev`: the whole stack for an app folder on the embedded default — builds pg_reactive when
// needed, starts the folder's cluster under .pgstack/ (or wherever clusterHome puts it), applies
// the app's migrations/ and live/ (at start and again whenever they change: a broken file is
// reported and the stack keeps serving), starts the server, prints the URLs and keys. Ctrl-C stops
// everything; a PostgreSQL that dies underneath stops the stack with a clear message.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { watch } from 'chokidar'
import {
  clusterHome,
  ensureExtensionInstalled,
  findPgBinaries,
  serverOsUser,
  startCluster,
  stopClusterSync,
  type RunningCluster,
} from '@pgstack/infra'
import { loadConfig, startHub, type Hub } from '@pgstack/hub'
import { ensureStudioBuilt, STUDIO_ROOT } from '@pgstack/studio'
import { applyProject, describeLive } from '../apply-project.ts'
import { CliError, errorLine } from '../errors.ts'
import { envKeysIssuedAt, type Project } from '../project.ts'
import { ensureServerPortFree } from '../port.ts'
import { loadSecrets, stateDir, writeStackInfo } from '../project-state.ts'

const DEFAULT_DB_PORT = 54322

/**
 * The port the embedded cluster asks for: PGSTACK_DB_PORT, else 54322 (Supabase's local one);
 * any free port when that one is taken, or when it is 0.
 */
function preferredDbPort(env: Record<string, string | undefined>): number {
  const raw = env.PGSTACK_DB_PORT
  if (raw === undefined || raw === '') return DEFAULT_DB_PORT
  const port = Number(raw)
  if (!/^\d+$/.test(raw) || port > 65535) throw new CliError(`PGSTACK_DB_PORT must be a port number, not "${raw}"`, 'set it to 1–65535, or 0 for any free port')
  return port
}

export async function dev(project: Project): Promise<void> {
  const say = (line: string) => console.log(line)
  const dir = stateDir(project.dir)
  const secrets = loadSecrets(project.dir)
  const env = project.env
  let cluster: RunningCluster | undefined
  let hub: Hub | undefined
  // eslint-disable-next-line prefer-const -- set once the stack is up; shutdown reads it before that
  let watcher: { close(): Promise<void> } | undefined
  let stopping = false

  const shutdown = async (code: number) => {
    if (stopping) return
    stopping = true
    await watcher?.close().catch(() => {})
    await hub?.close().catch(() => {})
    await cluster?.stop().catch(() => {})
    if (code === 0) console.log('pgStack stopped.')
    process.exit(code)
  }
  process.on('SIGINT', () => void shutdown(0))
  process.on('SIGTERM', () => void shutdown(0))
  process.on('exit', () => cluster && stopClusterSync(cluster))

  let adminUrl = env.PGSTACK_ADMIN_DATABASE_URL
  try {
    // before PostgreSQL starts: a port in use is the first line, not the last after a minute
    await ensureServerPortFree(env)
    let databaseUrl = env.DATABASE_URL
    adminUrl ??= databaseUrl
    let printableDbUrl = adminUrl
    if (!databaseUrl) {
      const dbPort = preferredDbPort(env) // a bad value stops dev before anything slow starts
      const bins = findPgBinaries()
      if (ensureExtensionInstalled(bins, say)) say('pg_reactive built and installed.')
      const home = clusterHome(dir, serverOsUser(), say)
      cluster = await startCluster({
        dataDir: home.dataDir,
        socketDir: home.socketDir,
        logFile: home.logFile,
        superuserPassword: secrets.postgresPassword,
        preferredPort: dbPort,
        preloadLibraries: ['pg_reactive'],
        log: say,
      })
      databaseUrl = cluster.socketUrl('authenticator')
      adminUrl = cluster.socketUrl('postgres')
      printableDbUrl = cluster.adminUrl()
    }
    const config = loadConfig({
      ...env,
      DATABASE_URL: databaseUrl,
      PGSTACK_ADMIN_DATABASE_URL: adminUrl,
      PGSTACK_JWT_SECRET: env.PGSTACK_JWT_SECRET || secrets.jwtSecret,
    })
    // The app's schema before the server reads it; a broken migration is reported, not fatal.
    await applyApp(project, adminUrl!, say)
    // A Studio that fails to build must not keep the API down: say so and serve without it. An
    // installed pgstack has the Studio built and no sources to build it from.
    if (existsSync(join(STUDIO_ROOT, 'src'))) {
      await ensureStudioBuilt({ log: say }).catch((error: Error) => say(`The Studio did not build (${error.message}); /studio will say so.`))
    }
    hub = await startHub({ config, log: say, apiKeysIssuedAt: envKeysIssuedAt(env) ?? secrets.keysIssuedAt })
    // the current secret's keys: after a rotation (admin API) they are no longer the environment's
    const keys = await hub.apiKeys()
    const stackFile = writeStackInfo(project.dir, {
      url: hub.url,
      databaseUrl: printableDbUrl!,
      anonKey: keys.anonKey,
      serviceKey: keys.serviceKey,
    })
    say(
      [
        '',
        'pgStack is up.',
        `  API URL:      ${hub.url}`,
        `  Studio URL:   ${hub.url}/studio`,
        `  Database URL: ${printableDbUrl}`,
        `  anon key:     ${keys.anonKey}`,
        `  service key:  ${keys.serviceKey}`,
        `  (also in ${stackFile}; Ctrl-C stops everything)`,
        '',
      ].join('\n'),
    )
  } catch (error) {
    console.error(`pgstack dev: ${errorLine(error)}`)
    await shutdown(1)
    return
  }

  watcher = watchApp(project, () => applyApp(project, adminUrl!, say))

  if (cluster) {
    const watched = cluster
    const watch = setInterval(() => {
      if (watched.isAlive() || stopping) return
      clearInterval(watch)
      console.error(
        `pgstack dev: PostgreSQL stopped unexpectedly (see ${watched.logFile}); the stack is shutting down. Run the same command again to restart it.`,
      )
      void shutdown(1)
    }, 500)
  }
}

/** Applies migrations/ and live/; every problem is one line, and the stack keeps serving. */
async function applyApp(project: Project, adminUrl: string, say: (line: string) => void): Promise<void> {
  try {
    const { live } = await applyProject(project, { url: adminUrl, source: 'pgstack dev' }, say)
    for (const line of describeLive(live)) say(line)
  } catch (error) {
    say(`Migration failed: ${errorLine(error)}`)
  }
}

/** Calls `apply` once the app's SQL files stop changing for a moment; one run at a time. */
function watchApp(project: Project, apply: () => Promise<void>): { close(): Promise<void> } {
  const watcher = watch([project.migrationsDir, project.liveDir], { ignoreInitial: true, depth: 0 })
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()
  watcher.on('all', (_event, path) => {
    if (!path.endsWith('.sql')) return
    clearTimeout(timer)
    timer = setTimeout(() => {
      running = running.then(apply)
    }, 200)
  })
  return {
    close: async () => {
      clearTimeout(timer)
      await watcher.close()
      await running
    },
  }
}
