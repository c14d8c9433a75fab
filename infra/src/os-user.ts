// PostgreSQL refuses to run as root. When we are root, the server runs as an unprivileged
// OS user (PGSTACK_PG_OS_USER, default `postgres`) that owns the data and socket directories.
import { execFileSync, spawnSync, type SpawnOptions } from 'node:child_process'
import { chownSync } from 'node:fs'
import { InfraError } from './pg-binaries.ts'

export interface OsUser {
  name: string
  uid: number
  gid: number
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0
}

/** The OS user PostgreSQL runs as, or undefined when it runs as ourselves. */
export function serverOsUser(): OsUser | undefined {
  if (!isRoot()) return undefined
  const name = process.env.PGSTACK_PG_OS_USER ?? 'postgres'
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim())
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim())
    return { name, uid, gid }
  } catch {
    throw new InfraError(
      `PostgreSQL cannot run as root and the OS user "${name}" does not exist: create it (\`useradd --system ${name}\`) or set PGSTACK_PG_OS_USER.`,
    )
  }
}

/** True when `user` can reach `dir` (search permission on it and on every parent). */
export function canReach(user: OsUser, dir: string): boolean {
  return spawnSync('runuser', ['-u', user.name, '--', 'test', '-x', dir], { stdio: 'ignore' }).status === 0
}

export function giveTo(user: OsUser | undefined, ...paths: string[]): void {
  if (!user) return
  for (const path of paths) chownSync(path, user.uid, user.gid)
}

/** Command and options that run `file args` as the server's OS user. */
export function asServerUser(
  user: OsUser | undefined,
  file: string,
  args: string[],
): { file: string; args: string[]; options: SpawnOptions } {
  if (!user) return { file, args, options: {} }
  return { file: 'runuser', args: ['-u', user.name, '--', file, ...args], options: {} }
}
