// The app folder a command runs in: its directory, its environment (the process's variables over
// the folder's .env, as dotenv does) and where its migrations, live queries and tests live.
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseEnv } from 'node:util'
import { decodeJwt } from 'jose'
import { CliError } from './errors.ts'

export type Env = Record<string, string | undefined>

export interface Project {
  dir: string
  /** process.env over .env: what every command reads its settings from. */
  env: Env
  /** The .env file read, if there was one. */
  envFile: string | null
  migrationsDir: string
  liveDir: string
  testsDir: string
}

export function loadProject(dir = process.cwd(), processEnv: Env = process.env): Project {
  const root = resolve(dir)
  const envFile = join(root, '.env')
  let fileEnv: Env = {}
  if (existsSync(envFile)) {
    try {
      fileEnv = parseEnv(readFileSync(envFile, 'utf8'))
    } catch (error) {
      throw new CliError(`${envFile} could not be read (${(error as Error).message})`, 'fix or remove it')
    }
  }
  return {
    dir: root,
    env: { ...fileEnv, ...processEnv },
    envFile: existsSync(envFile) ? envFile : null,
    migrationsDir: join(root, 'migrations'),
    liveDir: join(root, 'live'),
    testsDir: join(root, 'tests'),
  }
}

/**
 * The issue time of the anon key in the environment (PGSTACK_ANON_KEY, written by `init`), so that
 * `dev` and `keys` print the same keys as .env holds; undefined when there is none.
 */
export function envKeysIssuedAt(env: Env): number | undefined {
  const key = env.PGSTACK_ANON_KEY
  if (!key) return undefined
  try {
    const { iat } = decodeJwt(key)
    return typeof iat === 'number' ? iat : undefined
  } catch {
    return undefined
  }
}
