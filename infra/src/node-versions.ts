// Node.js binaries of other majors for client tests (the SDK's, the CLI's) on Node 22 and 24 while
// the hub runs on Node 20: the npm package `node` through npx, which keeps what it installs in
// npm's cache (~/.npm/_npx), so only the first run on a machine downloads. Nothing comes from
// anywhere but the npm registry. Also the environment a user's process has: none of the
// NODE_OPTIONS that dev and tests set (the workspace's @pgstack/source condition, tap's hooks).
import { execFile } from 'node:child_process'
import { mkdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

/** `env` as a user's shell has it: no NODE_OPTIONS, nothing of tap's. Spawn with userCommand. */
export function userEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const copy: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(env)) {
    if (key !== 'NODE_OPTIONS' && !/^_?TAP/.test(key)) copy[key] = value
  }
  return copy
}

/**
 * `[file, args]` to spawn `file args` as a user would, from inside a test: tap hooks spawn and
 * puts its own NODE_OPTIONS (and ours) back into a child's environment when the child has none,
 * so `env -u` removes it in the child itself.
 */
export function userCommand(file: string, args: string[]): [string, string[]] {
  return ['env', ['-u', 'NODE_OPTIONS', file, ...args]]
}

const located = new Map<number, Promise<string>>()

/** Path of a Node.js `major` binary (npm package `node@major`), installed on first use. */
export function nodeBinary(major: number): Promise<string> {
  let binary = located.get(major)
  if (!binary) {
    binary = withLock(`pgstack-node-${major}`, () => locate(major))
    located.set(major, binary)
  }
  return binary
}

async function locate(major: number): Promise<string> {
  const args = ['--yes', '--prefer-offline', '-p', `node@${major}`, 'node', '-p', 'process.execPath']
  try {
    const { stdout } = await promisify(execFile)('npx', args, { env: userEnv(), encoding: 'utf8', timeout: 600_000 })
    return stdout.trim()
  } catch (error) {
    throw new Error(`Could not get Node.js ${major} from the npm package \`node\` (npx ${args.join(' ')}): ${(error as Error).message}`)
  }
}

/** Runs `fn` holding a machine-wide lock (a directory), so that concurrent first runs install once. */
async function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(tmpdir(), `${name}.lock`)
  const STALE_MS = 15 * 60_000
  for (;;) {
    try {
      mkdirSync(lock)
      break
    } catch {
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now())
      if (age > STALE_MS) rmSync(lock, { recursive: true, force: true })
      else await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }
  try {
    return await fn()
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}
