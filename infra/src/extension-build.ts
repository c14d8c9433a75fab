// Builds and installs ext/pg_reactive with PGXS when it is missing or older than its source.
// Installs the server headers with apt when they are missing and we are root; otherwise it
// stops with one sentence saying what to install.
import { spawnSync } from 'node:child_process'
import { accessSync, constants, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { InfraError, type PgBinaries } from './pg-binaries.ts'
import { isRoot } from './os-user.ts'

export const EXTENSION_SOURCE_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../ext/pg_reactive',
)

type Log = (line: string) => void

function newestSourceTime(dir: string): number {
  let newest = 0
  const visit = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name)
      if (entry.isDirectory()) {
        if (entry.name === 'src') visit(full)
        continue
      }
      if (/\.(c|h|sql|control)$|^Makefile$/.test(entry.name)) {
        newest = Math.max(newest, statSync(full).mtimeMs)
      }
    }
  }
  visit(dir)
  return newest
}

function installedTime(bins: PgBinaries): number | undefined {
  const files = [
    join(bins.pkglibdir, 'pg_reactive.so'),
    join(bins.sharedir, 'extension', 'pg_reactive.control'),
  ]
  if (!files.every((f) => existsSync(f))) return undefined
  return Math.min(...files.map((f) => statSync(f).mtimeMs))
}

function run(file: string, args: string[], log: Log, what: string): void {
  log(`${what}…`)
  const result = spawnSync(file, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n')
    throw new InfraError(`${what} failed (${file} ${args.join(' ')}):\n${output}`)
  }
}

function ensureServerHeaders(bins: PgBinaries, log: Log): void {
  if (existsSync(join(bins.includedirServer, 'postgres.h'))) return
  const pkg = `postgresql-server-dev-${bins.major}`
  if (!isRoot()) {
    throw new InfraError(
      `Building pg_reactive needs the PostgreSQL ${bins.major} server headers: install them with \`sudo apt-get install -y ${pkg}\` and run this again.`,
    )
  }
  run('apt-get', ['update', '-q'], log, 'Updating the apt package lists')
  run('apt-get', ['install', '-y', '-q', pkg], log, `Installing ${pkg} (server headers for pg_reactive)`)
  if (!existsSync(join(bins.includedirServer, 'postgres.h'))) {
    throw new InfraError(`${pkg} was installed but ${bins.includedirServer}/postgres.h is still missing.`)
  }
}

function checkWritable(dir: string, bins: PgBinaries): void {
  try {
    accessSync(dir, constants.W_OK)
  } catch {
    throw new InfraError(
      `Installing pg_reactive needs write access to ${dir}: run \`sudo make -C ${EXTENSION_SOURCE_DIR} PG_CONFIG=${bins.pgConfig} install\` once, then run this again.`,
    )
  }
}

/** Serialises builds between processes (a dev server and a test run may start together). */
function withBuildLock<T>(fn: () => T): T {
  const lock = join(tmpdir(), 'pgstack-pg_reactive-build.lock')
  const deadline = Date.now() + 10 * 60_000
  for (;;) {
    try {
      mkdirSync(lock)
      break
    } catch {
      const age = Date.now() - (existsSync(lock) ? statSync(lock).mtimeMs : 0)
      if (age > 10 * 60_000) rmSync(lock, { recursive: true, force: true })
      if (Date.now() > deadline) throw new InfraError(`Timed out waiting for the build lock ${lock}.`)
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200)
    }
  }
  try {
    return fn()
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

/** Makes sure the installed pg_reactive matches ext/pg_reactive; returns true when it (re)built. */
export function ensureExtensionInstalled(bins: PgBinaries, log: Log = () => {}): boolean {
  const installed = installedTime(bins)
  if (installed !== undefined && installed >= newestSourceTime(EXTENSION_SOURCE_DIR)) return false
  return withBuildLock(() => {
    const again = installedTime(bins)
    if (again !== undefined && again >= newestSourceTime(EXTENSION_SOURCE_DIR)) return false
    ensureServerHeaders(bins, log)
    checkWritable(bins.pkglibdir, bins)
    const make = ['-C', EXTENSION_SOURCE_DIR, `PG_CONFIG=${bins.pgConfig}`, 'with_llvm=no']
    run('make', [...make, '-j2'], log, 'Building pg_reactive')
    run('make', [...make, 'install'], log, 'Installing pg_reactive')
    return true
  })
}
