// Builds and installs ext/pg_reactive with PGXS when it is missing or differs from its source
// (a content hash of the source is kept beside the installed control file).
// Installs the server headers with apt when they are missing and we are root; otherwise it
// stops with one sentence saying what to install.
import { createHash } from 'node:crypto'
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { InfraError, type PgBinaries } from './pg-binaries.ts'
import { aptInstall, runSetupCommand } from './apt.ts'

const here = dirname(fileURLToPath(import.meta.url))
/**
 * The extension's source: ext/pg_reactive in a checkout; in an installed @pgstack/cli, the copy
 * scripts/pack-cli.mjs puts in this package (`<infra>/pg_reactive`).
 */
export const EXTENSION_SOURCE_DIR = [resolve(here, '../pg_reactive'), resolve(here, '../../ext/pg_reactive')].find((dir) =>
  existsSync(join(dir, 'pg_reactive.control')),
) ?? resolve(here, '../../ext/pg_reactive')

type Log = (line: string) => void

/** Hash of everything the build reads, so any change (or another checkout's build) is noticed. */
function sourceHash(dir: string): string {
  const hash = createHash('sha256')
  const visit = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(path, entry.name)
      if (entry.isDirectory()) {
        if (entry.name === 'src') visit(full)
        continue
      }
      if (/\.(c|h|sql|control)$|^Makefile$/.test(entry.name)) {
        hash.update(`${relative(dir, full)}\0`).update(readFileSync(full)).update('\0')
      }
    }
  }
  visit(dir)
  return hash.digest('hex')
}

function stampFile(bins: PgBinaries): string {
  return join(bins.sharedir, 'extension', 'pg_reactive.pgstack-stamp')
}

function installedHash(bins: PgBinaries): string | undefined {
  const files = [join(bins.pkglibdir, 'pg_reactive.so'), join(bins.sharedir, 'extension', 'pg_reactive.control')]
  if (!files.every((f) => existsSync(f)) || !existsSync(stampFile(bins))) return undefined
  return readFileSync(stampFile(bins), 'utf8').trim()
}

function ensureServerHeaders(bins: PgBinaries, log: Log): void {
  if (existsSync(join(bins.includedirServer, 'postgres.h'))) return
  const pkg = `postgresql-server-dev-${bins.major}`
  aptInstall(pkg, `Building pg_reactive needs the PostgreSQL ${bins.major} server headers`, log)
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
  if (installedHash(bins) === sourceHash(EXTENSION_SOURCE_DIR)) return false
  return withBuildLock(() => {
    const wanted = sourceHash(EXTENSION_SOURCE_DIR)
    if (installedHash(bins) === wanted) return false
    ensureServerHeaders(bins, log)
    checkWritable(bins.pkglibdir, bins)
    const make = ['-C', EXTENSION_SOURCE_DIR, `PG_CONFIG=${bins.pgConfig}`, 'with_llvm=no']
    runSetupCommand('make', [...make, 'clean'], log, 'Cleaning the previous pg_reactive build')
    runSetupCommand('make', [...make, '-j2'], log, 'Building pg_reactive')
    runSetupCommand('make', [...make, 'install'], log, 'Installing pg_reactive')
    writeFileSync(stampFile(bins), `${wanted}\n`)
    return true
  })
}
