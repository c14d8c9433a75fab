// Test helper: a running server on a free port over a fresh test database, with keys and a
// token signer. For end-to-end tests of every package that plugs into the hub.
import { randomBytes } from 'node:crypto'
import { SignJWT } from 'jose'
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
  const now = Math.floor(Date.now() / 1000)
  const keys = await signApiKeys(jwtSecret, now)
  const key = new TextEncoder().encode(jwtSecret)
  return {
    hub,
    db,
    url: hub.url,
    jwtSecret,
    ...keys,
    signToken: (claims, expiresIn = 3600) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn)
        .sign(key),
  }
}
