// One teardown, observed from PostgreSQL: a start-up that fails half-way or at its last step leaves no
// connection behind, close() ends every connection the hub opened, and the server process stops
// on SIGTERM, closing them too, with status 0.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import pg from 'pg'
import t from 'tap'
import { createTestDatabase } from '@pgstack/infra/testing'
import { loadConfig, startHub } from '@pgstack/hub'

/** Connections to the test database opened after `since` (other than the observer's own). */
async function connectionsSince(observer: pg.Client, since: Date): Promise<number> {
  const { rows } = await observer.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_start > $1',
    [since],
  )
  return rows[0]!.n
}

/** Waits until no connection opened after `since` remains (a closed client's backend exits a moment later). */
async function drained(observer: pg.Client, since: Date): Promise<number> {
  let n = await connectionsSince(observer, since)
  for (let i = 0; i < 50 && n > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    n = await connectionsSince(observer, since)
  }
  return n
}

t.test('a start-up failing at listen, and close(), leave no connection open', async (t) => {
  const db = await createTestDatabase(t)
  const observer = new pg.Client({ connectionString: db.adminUrl })
  await observer.connect()
  t.teardown(() => observer.end())
  const env = { DATABASE_URL: db.url, PGSTACK_ADMIN_DATABASE_URL: db.adminUrl, PGSTACK_JWT_SECRET: randomBytes(32).toString('base64url'), PORT: '0' }

  const since = new Date((await observer.query<{ now: Date }>('SELECT clock_timestamp() AS now')).rows[0]!.now)
  // 192.0.2.1 (TEST-NET-1) is no address of this machine: everything starts, then listen fails.
  const failed = startHub({ config: loadConfig({ ...env, HOST: '192.0.2.1' }), log: () => {} })
  await t.rejects(failed, /Could not listen on 192\.0\.2\.1/)
  t.equal(await drained(observer, since), 0, 'the pool, LISTEN, auth and live connections are all closed')
  // a failure half-way (after the pool and LISTEN are up): a private key PEM that does not parse
  const broken = startHub({ config: loadConfig({ ...env, PGSTACK_AUTH_JWT_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----' }), log: () => {} })
  await t.rejects(broken)
  t.equal(await drained(observer, since), 0, 'what had started is closed')

  const hub = await startHub({ config: loadConfig(env), log: () => {} })
  // something for each part to hold: a pooled connection, the LISTEN connection
  t.equal((await fetch(`${hub.url}/health`)).status, 200)
  t.ok((await connectionsSince(observer, since)) >= 2, 'the hub holds connections while running')
  await hub.close()
  t.equal(await drained(observer, since), 0, 'close() ended every connection it opened')
  await hub.close() // a second close is the same close
})

t.test('the server process stops on SIGTERM with status 0 and its connections closed', async (t) => {
  const db = await createTestDatabase(t)
  const observer = new pg.Client({ connectionString: db.adminUrl })
  await observer.connect()
  t.teardown(() => observer.end())
  const since = new Date((await observer.query<{ now: Date }>('SELECT clock_timestamp() AS now')).rows[0]!.now)
  const main = join(import.meta.dirname, '..', 'src', 'main.ts')
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), main], {
    env: { ...process.env, DATABASE_URL: db.url, PGSTACK_ADMIN_DATABASE_URL: db.adminUrl, PGSTACK_JWT_SECRET: randomBytes(32).toString('base64url'), PORT: '0', PGSTACK_SHUTDOWN_TIMEOUT_MS: '20000', PGSTACK_AUTH_SITE_URL: 'http://app.test', PGSTACK_AUTH_EXTERNAL_URL: 'http://api.test/auth/v1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  t.teardown(() => void child.kill('SIGKILL'))
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  for (let i = 0; i < 600 && !/listening on (\S+)/.test(output); i++) await new Promise((resolve) => setTimeout(resolve, 100))
  const url = /listening on (\S+)/.exec(output)?.[1]
  t.ok(url, `started: ${output}`)
  t.equal((await fetch(`${url}/health`)).status, 200)
  child.kill('SIGTERM')
  t.equal(await exited, 0, output)
  t.match(output, /SIGTERM: stopping/)
  t.equal(await drained(observer, since), 0, 'no connection of the process is left')
})
