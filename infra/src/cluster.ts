// Owns one local PostgreSQL cluster: initdb on first use, start on a free loopback port with a
// private socket directory, wait until ready, stop by pid. A stale postmaster.pid left by a
// crashed run is recovered here, never a dead end.
import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { InfraError, findPgBinaries, type PgBinaries } from './pg-binaries.ts'
import { asServerUser, canReach, giveTo, serverOsUser, type OsUser } from './os-user.ts'

export interface ClusterOptions {
  dataDir: string
  /** Private directory for the server's unix socket (mode 0700). */
  socketDir: string
  logFile: string
  /** Superuser (`postgres`) password for loopback TCP; set at initdb, then kept. */
  superuserPassword: string
  /** Port to use when free; otherwise (and when absent) any free loopback port. */
  preferredPort?: number
  preloadLibraries?: string[]
  settings?: Record<string, string | number>
  /**
   * A command the server runs under, its binary and arguments appended (e.g. `valgrind
   * --tool=callgrind …` for a bench's instruction counts); every server process runs under it.
   */
  wrapper?: string[]
  log?: (line: string) => void
}

export interface RunningCluster {
  bins: PgBinaries
  port: number
  pid: number
  socketDir: string
  dataDir: string
  logFile: string
  /** Superuser URL over loopback TCP (what tools and psql use). */
  adminUrl(database?: string): string
  /** URL over the private socket for `user` (local connections are trusted). */
  socketUrl(user: string, database?: string): string
  isAlive(): boolean
  stop(): Promise<void>
}

const SUPERUSER = 'postgres'

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function isPostgresProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres')
  } catch {
    return processAlive(pid)
  }
}

export async function freePort(preferred?: number): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const server = createServer()
      server.once('error', () => resolve(undefined))
      server.listen(port, '127.0.0.1', () => {
        const address = server.address()
        const got = typeof address === 'object' && address ? address.port : undefined
        server.close(() => resolve(got))
      })
    })
  if (preferred) {
    const got = await tryListen(preferred)
    if (got) return got
  }
  const got = await tryListen(0)
  if (!got) throw new InfraError('Could not find a free loopback port for PostgreSQL.')
  return got
}

function runAs(user: OsUser | undefined, file: string, args: string[], what: string): void {
  const cmd = asServerUser(user, file, args)
  const result = spawnSync(cmd.file, cmd.args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  if (result.status !== 0) {
    throw new InfraError(`${what} failed:\n${`${result.stdout}${result.stderr}`.trim()}`)
  }
}

function initCluster(bins: PgBinaries, user: OsUser | undefined, options: ClusterOptions): void {
  const { dataDir } = options
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  chmodSync(dataDir, 0o700)
  giveTo(user, dataDir)
  const pwfile = join(dataDir, '..', `.pwfile-${randomBytes(6).toString('hex')}`)
  writeFileSync(pwfile, `${options.superuserPassword}\n`, { mode: 0o600 })
  giveTo(user, pwfile)
  try {
    runAs(
      user,
      join(bins.bindir, 'initdb'),
      ['-D', dataDir, '-U', SUPERUSER, '-E', 'UTF8', '--locale=C.UTF-8', '--auth-local=trust',
        '--auth-host=scram-sha-256', `--pwfile=${pwfile}`],
      `initdb of ${dataDir}`,
    )
  } finally {
    rmSync(pwfile, { force: true })
  }
  appendFileSync(join(dataDir, 'postgresql.conf'), "\ninclude_if_exists = 'pgstack.conf'\n")
}

/** Stops a server a crashed run left behind, or clears its stale pid file. */
async function recoverStalePid(dataDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid')
  if (!existsSync(pidFile)) return
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0])
  if (pid > 0 && processAlive(pid) && isPostgresProcess(pid)) {
    log(`Stopping the PostgreSQL a previous run left behind (pid ${pid})…`)
    await stopPid(pid)
  } else {
    log('Removing a stale postmaster.pid left by a previous run.')
    rmSync(pidFile, { force: true })
  }
}

async function stopPid(pid: number): Promise<void> {
  const waitGone = async (ms: number) => {
    const deadline = Date.now() + ms
    while (Date.now() < deadline) {
      if (!processAlive(pid)) return true
      await new Promise((r) => setTimeout(r, 50))
    }
    return !processAlive(pid)
  }
  if (!processAlive(pid)) return
  process.kill(pid, 'SIGINT') // fast shutdown: roll back open transactions, checkpoint, exit
  if (await waitGone(30_000)) return
  process.kill(pid, 'SIGQUIT') // immediate shutdown
  await waitGone(10_000)
}

function writeSettings(dataDir: string, settings: Record<string, string | number>): void {
  const quote = (v: string | number) => (typeof v === 'number' ? String(v) : `'${v.replace(/'/g, "''")}'`)
  const lines = Object.entries(settings).map(([k, v]) => `${k} = ${quote(v)}`)
  writeFileSync(join(dataDir, 'pgstack.conf'), `# written by pgStack at each start\n${lines.join('\n')}\n`)
}

/** A script beside the data directory that runs the server binary under `wrapper` (pg_ctl -p). */
function writeWrapper(bins: PgBinaries, user: OsUser | undefined, dataDir: string, wrapper: string[]): string {
  const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`
  const script = join(dirname(dataDir), 'postgres-wrapper.sh')
  writeFileSync(script, `#!/bin/sh\nexec ${[...wrapper, join(bins.bindir, 'postgres')].map(quote).join(' ')} "$@"\n`, { mode: 0o755 })
  giveTo(user, script)
  return script
}

/** As root the server runs as another OS user, which must be able to reach our directories. */
function checkReachable(user: OsUser | undefined, ...dirs: string[]): void {
  if (!user) return
  for (const dir of dirs) {
    mkdirSync(dir, { recursive: true })
    if (!canReach(user, dir)) {
      throw new InfraError(
        `PostgreSQL runs as the OS user "${user.name}", which cannot reach ${dir}: allow it through (e.g. \`chmod o+x\` on each parent directory) or keep the cluster somewhere it can reach.`,
      )
    }
  }
}

export async function startCluster(options: ClusterOptions): Promise<RunningCluster> {
  const log = options.log ?? (() => {})
  const bins = findPgBinaries()
  const user = serverOsUser()
  const { dataDir, socketDir, logFile } = options
  checkReachable(user, dirname(dataDir), dirname(socketDir), dirname(logFile))
  const versionFile = join(dataDir, 'PG_VERSION')
  if (!existsSync(versionFile)) {
    log(`Creating a PostgreSQL ${bins.major} cluster in ${dataDir}…`)
    initCluster(bins, user, options)
  } else {
    const dataMajor = Number(readFileSync(versionFile, 'utf8').trim())
    if (dataMajor !== bins.major) {
      throw new InfraError(
        `${dataDir} was created by PostgreSQL ${dataMajor} but the server found is ${bins.major}: point PG_CONFIG at PostgreSQL ${dataMajor}, or remove ${dataDir} to start over.`,
      )
    }
    await recoverStalePid(dataDir, log)
  }
  mkdirSync(socketDir, { recursive: true, mode: 0o700 })
  chmodSync(socketDir, 0o700)
  writeFileSync(logFile, '', { flag: 'a' })
  giveTo(user, socketDir, logFile)

  const port = await freePort(options.preferredPort)
  writeSettings(dataDir, {
    port,
    listen_addresses: '127.0.0.1',
    unix_socket_directories: socketDir,
    unix_socket_permissions: '0700',
    shared_preload_libraries: (options.preloadLibraries ?? []).join(','),
    ...options.settings,
  })
  giveTo(user, join(dataDir, 'pgstack.conf'))
  try {
    runAs(
      user,
      join(bins.bindir, 'pg_ctl'),
      ['-D', dataDir, '-l', logFile, '-w', '-t', options.wrapper ? '600' : '60',
        ...(options.wrapper ? ['-p', writeWrapper(bins, user, dataDir, options.wrapper)] : []), 'start'],
      'Starting PostgreSQL',
    )
  } catch (error) {
    const tail = readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n')
    throw new InfraError(`${(error as Error).message}\nLast lines of ${logFile}:\n${tail}`)
  }
  const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
  const encodedPassword = encodeURIComponent(options.superuserPassword)
  return {
    bins,
    port,
    pid,
    socketDir,
    dataDir,
    logFile,
    adminUrl: (database = 'postgres') =>
      `postgres://${SUPERUSER}:${encodedPassword}@127.0.0.1:${port}/${database}`,
    socketUrl: (role: string, database = 'postgres') =>
      `postgres://${role}@localhost:${port}/${database}?host=${encodeURIComponent(socketDir)}`,
    isAlive: () => processAlive(pid),
    stop: () => stopPid(pid),
  }
}

/** Synchronous best-effort stop for `process.on('exit')`, where nothing async runs. */
export function stopClusterSync(cluster: RunningCluster): void {
  if (!cluster.isAlive()) return
  try {
    process.kill(cluster.pid, 'SIGINT')
    const deadline = Date.now() + 15_000
    while (cluster.isAlive() && Date.now() < deadline) execFileSync('sleep', ['0.05'])
  } catch {
    // already gone
  }
}
