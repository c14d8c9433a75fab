// Test helper: a running server on a free port over a fresh test database, with keys and a
// token signer. For end-to-end tests of every package that plugs into the hub; startHubProcess
// runs it as its own process, for tests that kill it.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { SignJWT } from 'jose'
import { freePort } from '@pgstack/infra'
import { createTestDatabase, type TestDatabase } from '@pgstack/infra/testing'
import { loadConfig } from './config.ts'
import { signApiKeys } from './keys.ts'
import { startHub, type Hub } from './server.ts'

export interface TestHub {
  hub: Hub
  db: TestDatabase
  url: string
  jwtSecret: string
  anonKey: string
  serviceKey: string
  /** Signs an HS256 token with the hub's secret; `expiresIn` in seconds (negative: expired). */
  signToken(claims: Record<string, unknown>, expiresIn?: number): Promise<string>
}

interface Teardown {
  teardown(fn: () => unknown): void
}

export async function startTestHub(
  t: Teardown,
  options: { env?: Record<string, string>; database?: TestDatabase } = {},
): Promise<TestHub> {
  const db = options.database ?? (await createTestDatabase(t))
  const jwtSecret = randomBytes(32).toString('base64url')
  const config = loadConfig({
    ...options.env,
    DATABASE_URL: db.url,
    PGSTACK_ADMIN_DATABASE_URL: db.adminUrl,
    PGSTACK_JWT_SECRET: jwtSecret,
    PORT: '0',
  })
  const hub = await startHub({ config, log: () => {} })
  t.teardown(() => hub.close())
  return { hub, db, url: hub.url, jwtSecret, ...(await testKeys(jwtSecret)) }
}

/** The anon and service keys for a secret, and a signer for any other token. */
async function testKeys(jwtSecret: string) {
  const now = Math.floor(Date.now() / 1000)
  const keys = await signApiKeys(jwtSecret, now)
  const key = new TextEncoder().encode(jwtSecret)
  return {
    ...keys,
    signToken: (claims: Record<string, unknown>, expiresIn = 3600) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn)
        .sign(key),
  }
}

export interface HubProcess extends Omit<TestHub, 'hub' | 'db'> {
  /** The database it serves (a test database, or any with the two URLs, e.g. a bench's). */
  db: Pick<TestDatabase, 'url' | 'adminUrl'>
  port: number
  /** Kills the process with SIGKILL, as a crash would: nothing is closed or unsubscribed. */
  kill(): Promise<void>
  /** Starts the process (again, on the same port); resolves once /health answers 200. */
  start(): Promise<void>
}

/** The hub's deployment entry (main.ts, from source) in a child process over a test database. */
export async function startHubProcess(
  t: Teardown,
  options: { env?: Record<string, string>; database?: Pick<TestDatabase, 'url' | 'adminUrl'> } = {},
): Promise<HubProcess> {
  const db = options.database ?? (await createTestDatabase(t))
  const jwtSecret = randomBytes(32).toString('base64url')
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const env = {
    ...process.env,
    // main.ts runs with production settings, which require the URLs mailed links point at
    PGSTACK_AUTH_SITE_URL: url,
    PGSTACK_AUTH_EXTERNAL_URL: `${url}/auth/v1`,
    ...options.env,
    DATABASE_URL: db.url,
    PGSTACK_ADMIN_DATABASE_URL: db.adminUrl,
    PGSTACK_JWT_SECRET: jwtSecret,
    PORT: String(port),
    HOST: '127.0.0.1',
  }
  let child: ChildProcess | null = null
  const kill = async () => {
    const running = child
    child = null
    if (!running || running.exitCode !== null || running.signalCode !== null) return
    const exited = new Promise((resolve) => running.once('exit', resolve))
    running.kill('SIGKILL')
    await exited
  }
  const start = async () => {
    if (child) throw new Error('the hub process is running already')
    let output = ''
    const started = spawn(
      process.execPath,
      [
        '--conditions=@pgstack/source',
        '--import',
        'tsx',
        fileURLToPath(new URL('./main.ts', import.meta.url)),
      ],
      {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    child = started
    for (const stream of [started.stdout, started.stderr])
      stream.on('data', (chunk: Buffer) => void (output += chunk))
    for (const end = Date.now() + 60_000; ;) {
      if (started.exitCode !== null)
        throw new Error(`the hub process exited (${started.exitCode}): ${output}`)
      const status = await fetch(`${url}/health`).then(
        (res) => res.body?.cancel().then(() => res.status),
        () => 0,
      )
      if (status === 200) return
      if (Date.now() > end)
        throw new Error(`the hub process did not answer /health in 60 s: ${output}`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
  t.teardown(kill)
  await start()
  return { db, url, port, jwtSecret, ...(await testKeys(jwtSecret)), kill, start }
}
