// Where a project's local cluster (data, socket, log) lives. In the project's .pgstack/ when the
// OS user PostgreSQL runs as can reach it. As root with the project under a 0700 directory
// (/root/app, a `mktemp -d` folder: the usual container and CI case) it cannot, so the cluster gets
// a directory of its own under /var/lib/pgstack/clusters (PGSTACK_CLUSTERS_DIR), linked from
// .pgstack/cluster and tied to the project by a hard link (.pgstack/cluster-anchor ↔ the
// directory's `anchor`): once the project is deleted, whichever `dev` runs next removes it.
import { randomBytes } from 'node:crypto'
import {
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { basename, join } from 'node:path'
import { processAlive } from './cluster.ts'
import { canReach, giveTo, type OsUser } from './os-user.ts'
import { InfraError } from './pg-binaries.ts'

export interface ClusterHome {
  dataDir: string
  socketDir: string
  logFile: string
  /** The directory outside the project, when the cluster could not live in it. */
  outside?: string
}

const LINK = 'cluster'
const ANCHOR = 'cluster-anchor'

export function clustersDir(): string {
  return process.env.PGSTACK_CLUSTERS_DIR || '/var/lib/pgstack/clusters'
}

const inside = (stateDir: string): ClusterHome => ({
  dataDir: join(stateDir, 'data'),
  socketDir: join(stateDir, 'run'),
  logFile: join(stateDir, 'postgres.log'),
})

const at = (outside: string): ClusterHome => ({
  dataDir: join(outside, 'data'),
  socketDir: join(outside, 'run'),
  logFile: join(outside, 'postgres.log'),
  outside,
})

/**
 * The cluster's home for the project whose state directory is `stateDir` (`<project>/.pgstack`),
 * when PostgreSQL runs as `user` (undefined: as ourselves, who can reach the project).
 */
export function clusterHome(stateDir: string, user: OsUser | undefined, log: (line: string) => void): ClusterHome {
  if (!user || canReach(user, stateDir)) return inside(stateDir)
  if (existsSync(join(stateDir, 'data', 'PG_VERSION'))) {
    throw new InfraError(
      `PostgreSQL runs as the OS user "${user.name}", which cannot reach ${stateDir}, where this project's cluster was created: allow it through (e.g. \`chmod o+x\` on each parent directory), or remove ${join(stateDir, 'data')} to start over in ${clustersDir()}.`,
    )
  }
  removeOrphanClusters(log)
  const linked = linkedHome(stateDir)
  if (linked) {
    writeFileSync(join(linked, 'project'), `${realpathSync(join(stateDir, '..'))}\n`) // the project may have moved
    return at(linked)
  }

  const parent = clustersDir()
  try {
    mkdirSync(parent, { recursive: true, mode: 0o755 })
  } catch (error) {
    throw new InfraError(
      `PostgreSQL runs as the OS user "${user.name}", which cannot reach ${stateDir}, and ${parent} cannot be created for its cluster (${(error as Error).message}): set PGSTACK_CLUSTERS_DIR to a directory it can reach, or keep the project somewhere it can.`,
    )
  }
  if (!canReach(user, parent)) {
    throw new InfraError(
      `PostgreSQL runs as the OS user "${user.name}", which can reach neither ${stateDir} nor ${parent}: set PGSTACK_CLUSTERS_DIR to a directory it can reach.`,
    )
  }
  const project = realpathSync(join(stateDir, '..'))
  const outside = join(parent, `${basename(project).replace(/[^\w.-]/g, '_')}-${randomBytes(4).toString('hex')}`)
  mkdirSync(outside, { mode: 0o700 })
  giveTo(user, outside)
  writeFileSync(join(outside, 'project'), `${project}\n`)
  writeFileSync(join(outside, ANCHOR), 'This file and <project>/.pgstack/cluster-anchor are one file: when the project is gone, this cluster is removed.\n')
  let tie = 'anchor'
  try {
    rmSync(join(stateDir, ANCHOR), { force: true })
    linkSync(join(outside, ANCHOR), join(stateDir, ANCHOR))
  } catch {
    tie = 'path' // another filesystem: the project is found by its path and its .pgstack/cluster link
  }
  writeFileSync(join(outside, 'tie'), `${tie}\n`)
  rmSync(join(stateDir, LINK), { force: true })
  symlinkSync(outside, join(stateDir, LINK))
  log(`PostgreSQL runs as the OS user "${user.name}", which cannot reach ${stateDir}: this project's cluster lives in ${outside} (removed once the project is).`)
  return at(outside)
}

/** The home .pgstack/cluster points at, when it still exists. */
function linkedHome(stateDir: string): string | undefined {
  try {
    const target = readlinkSync(join(stateDir, LINK))
    return existsSync(join(target, 'project')) ? target : undefined
  } catch {
    return undefined
  }
}

/** Still tied to its project: the anchor has its second name, or the project links here. */
function stillTied(home: string): boolean {
  const tie = readFileSync(join(home, 'tie'), 'utf8').trim()
  if (tie === 'anchor') return (statSync(join(home, ANCHOR), { throwIfNoEntry: false })?.nlink ?? 0) > 1
  const project = readFileSync(join(home, 'project'), 'utf8').trim()
  return linkedHome(join(project, '.pgstack')) === home
}

/** Stops and removes the clusters whose project is gone. */
export function removeOrphanClusters(log: (line: string) => void): void {
  const parent = clustersDir()
  let entries: string[]
  try {
    entries = readdirSync(parent)
  } catch {
    return
  }
  for (const entry of entries) {
    const home = join(parent, entry)
    if (!existsSync(join(home, 'tie')) || stillTied(home)) continue
    const pidFile = join(home, 'data', 'postmaster.pid')
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : 0
    if (pid > 0 && processAlive(pid)) process.kill(pid, 'SIGQUIT') // its project is gone: nothing to keep
    rmSync(home, { recursive: true, force: true })
    log(`Removed ${home}, the cluster of a project that no longer exists.`)
  }
}
