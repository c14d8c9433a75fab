// Finds the PostgreSQL server binaries through pg_config. Supported majors: 15, 16, 17.
// It never assumes a version: pg_config (PG_CONFIG, then PATH, then Debian's layout) decides.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

export const SUPPORTED_MAJORS = [15, 16, 17] as const

export interface PgBinaries {
  pgConfig: string
  major: number
  version: string
  bindir: string
  pkglibdir: string
  sharedir: string
  includedirServer: string
}

export class InfraError extends Error {
  override name = 'InfraError'
}

function readPgConfig(pgConfig: string): PgBinaries {
  const ask = (flag: string) =>
    execFileSync(pgConfig, [flag], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  const version = ask('--version') // "PostgreSQL 15.20 (Debian 15.20-0+deb12u1)"
  const match = /PostgreSQL (\d+)/.exec(version)
  if (!match) throw new InfraError(`${pgConfig} printed an unexpected version: ${version}`)
  return {
    pgConfig,
    major: Number(match[1]),
    version,
    bindir: ask('--bindir'),
    pkglibdir: ask('--pkglibdir'),
    sharedir: ask('--sharedir'),
    includedirServer: ask('--includedir-server'),
  }
}

function candidatePgConfigs(): string[] {
  const found: string[] = []
  if (process.env.PG_CONFIG) found.push(process.env.PG_CONFIG)
  found.push('pg_config')
  // Debian installs each major under /usr/lib/postgresql/<major>; newest first.
  const root = '/usr/lib/postgresql'
  if (existsSync(root)) {
    for (const dir of readdirSync(root).sort((a, b) => Number(b) - Number(a))) {
      const candidate = join(root, dir, 'bin', 'pg_config')
      if (existsSync(candidate)) found.push(candidate)
    }
  }
  return found
}

/** Locates a supported PostgreSQL server installation, or throws one sentence saying what to install. */
export function findPgBinaries(): PgBinaries {
  const rejected: string[] = []
  for (const pgConfig of candidatePgConfigs()) {
    let bins: PgBinaries
    try {
      bins = readPgConfig(pgConfig)
    } catch {
      continue
    }
    if (!(SUPPORTED_MAJORS as readonly number[]).includes(bins.major)) {
      rejected.push(`${pgConfig} is PostgreSQL ${bins.major}`)
      continue
    }
    if (!existsSync(join(bins.bindir, 'postgres')) || !existsSync(join(bins.bindir, 'initdb'))) {
      rejected.push(`${pgConfig} has no server binaries in ${bins.bindir}`)
      continue
    }
    return bins
  }
  const why = rejected.length ? ` (${rejected.join('; ')})` : ''
  throw new InfraError(
    `No PostgreSQL ${SUPPORTED_MAJORS.join('/')} server was found${why}: install one, e.g. \`apt-get install postgresql-15\`, or set PG_CONFIG to its pg_config.`,
  )
}
