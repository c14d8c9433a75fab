// What `dev` keeps under .pgstack/ between runs: the generated secrets and the stack description
// that tools read (stack.json). One place, so the CLI's other commands find the same keys.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DEV_JWT_SECRET_PREFIX } from '@pgstack/hub'

export interface ProjectSecrets {
  jwtSecret: string
  postgresPassword: string
  /** Issue time of the API keys, so the same secret gives the same keys on every start. */
  keysIssuedAt: number
}

export interface StackInfo {
  url: string
  databaseUrl: string
  anonKey: string
  serviceKey: string
}

export function stateDir(projectDir: string): string {
  const dir = join(projectDir, '.pgstack')
  mkdirSync(dir, { recursive: true })
  return dir
}

/** Loads the secrets kept under .pgstack/, creating them on the first run. */
export function loadSecrets(projectDir: string): ProjectSecrets {
  const file = join(stateDir(projectDir), 'secrets.json')
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as ProjectSecrets
  const secrets: ProjectSecrets = {
    // Marked, so that production refuses it wherever it is copied to.
    jwtSecret: `${DEV_JWT_SECRET_PREFIX}${randomBytes(32).toString('base64url')}`,
    postgresPassword: randomBytes(16).toString('hex'),
    keysIssuedAt: Math.floor(Date.now() / 1000),
  }
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 })
  return secrets
}

export function writeStackInfo(projectDir: string, info: StackInfo): string {
  const file = join(stateDir(projectDir), 'stack.json')
  writeFileSync(file, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 })
  return file
}
