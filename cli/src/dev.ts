// `pgstack dev`: the whole stack on the embedded default — builds pg_reactive when needed,
// starts the local cluster under .pgstack/ (or wherever clusterHome puts it), starts the server,
// prints the URLs and keys. Ctrl-C stops everything; a PostgreSQL that dies underneath stops the
// stack with a clear message.
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
import { ensureStudioBuilt } from '@pgstack/studio'
import { loadSecrets, stateDir, writeStackInfo } from './project-state.ts'

const DEFAULT_DB_PORT = 54322

export async function dev(projectDir: string): Promise<void> {
  const say = (line: string) => console.log(line)
  const dir = stateDir(projectDir)
  const secrets = loadSecrets(projectDir)
  const env = { ...process.env }
  let cluster: RunningCluster | undefined
  let hub: Hub | undefined
  let stopping = false

  const shutdown = async (code: number) => {
    if (stopping) return
    stopping = true
    await hub?.close().catch(() => {})
    await cluster?.stop().catch(() => {})
    if (code === 0) console.log('pgStack stopped.')
    process.exit(code)
  }
  process.on('SIGINT', () => void shutdown(0))
  process.on('SIGTERM', () => void shutdown(0))
  process.on('exit', () => cluster && stopClusterSync(cluster))

  try {
    let databaseUrl = env.DATABASE_URL
    let adminUrl = env.PGSTACK_ADMIN_DATABASE_URL
    let printableDbUrl = adminUrl ?? databaseUrl
    if (!databaseUrl) {
      const bins = findPgBinaries()
      if (ensureExtensionInstalled(bins, say)) say('pg_reactive built and installed.')
      const home = clusterHome(dir, serverOsUser(), say)
      cluster = await startCluster({
        dataDir: home.dataDir,
        socketDir: home.socketDir,
        logFile: home.logFile,
        superuserPassword: secrets.postgresPassword,
        preferredPort: DEFAULT_DB_PORT,
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
    // A Studio that fails to build must not keep the API down: say so and serve without it.
    await ensureStudioBuilt({ log: say }).catch((error: Error) => say(`The Studio did not build (${error.message}); /studio will say so.`))
    hub = await startHub({ config, log: say, apiKeysIssuedAt: secrets.keysIssuedAt })
    // the current secret's keys: after a rotation (admin API) they are no longer the environment's
    const keys = await hub.apiKeys()
    const stackFile = writeStackInfo(projectDir, {
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
    console.error(`pgstack dev: ${(error as Error).message}`)
    await shutdown(1)
    return
  }

  if (cluster) {
    const watched = cluster
    const watch = setInterval(() => {
      if (watched.isAlive() || stopping) return
      clearInterval(watch)
      console.error(
        `pgstack dev: PostgreSQL stopped unexpectedly (see ${watched.logFile}); the stack is shutting down. Run \`npm run dev\` again to restart it.`,
      )
      void shutdown(1)
    }, 500)
  }
}
