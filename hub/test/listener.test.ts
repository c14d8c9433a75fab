// The one LISTEN connection against a real PostgreSQL: it never leaves a connection behind,
// whether LISTEN fails or stop() comes while it is reconnecting.
import { connect, createServer, type Socket } from 'node:net'
import t from 'tap'
import pg from 'pg'
import { createTestDatabase } from '@pgstack/infra/testing'
import { PgListener } from '../src/listener.ts'

async function listeners(admin: pg.Client, db: string): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
    [db],
  )
  return rows[0]!.n
}

const until = async (check: () => Promise<boolean>, what: string) => {
  for (let i = 0; i < 300; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`timed out waiting for ${what}`)
}

t.test('a LISTEN that fails ends its connection; start() says why', async (t) => {
  const db = await createTestDatabase(t)
  const admin = new pg.Client({ connectionString: db.adminUrl })
  await admin.connect()
  t.teardown(() => admin.end())
  const name = db.name
  // a zero-length channel name is refused by PostgreSQL after the connection is made
  const listener = new PgListener(db.adminUrl, ['pgr', ''])
  await t.rejects(listener.start(), { code: '42601' })
  await until(async () => (await listeners(admin, name)) === 0, 'no connection left')
  t.equal(listener.connected, false)
})

/** A TCP proxy to PostgreSQL that holds new connections while `gate` is closed. */
async function gatedProxy(t: { teardown(fn: () => unknown): void }, target: URL) {
  let open = true
  const held: Array<() => void> = []
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    sockets.add(client)
    const pass = () => {
      const upstream = connect(Number(target.port), target.hostname)
      sockets.add(upstream)
      client.pipe(upstream).pipe(client)
      const close = () => (client.destroy(), upstream.destroy())
      client.on('error', close).on('close', close)
      upstream.on('error', close).on('close', close)
    }
    if (open) pass()
    else held.push(pass)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const socket of sockets) socket.destroy()
    server.close()
  })
  const port = (server.address() as { port: number }).port
  return {
    url: (() => {
      const u = new URL(target.href)
      u.hostname = '127.0.0.1'
      u.port = String(port)
      return u.href
    })(),
    close: () => void (open = false),
    release: () => {
      open = true
      for (const pass of held.splice(0)) pass()
    },
    held: () => held.length,
  }
}

t.test('stop() during a reconnect stays stopped: no connection, no connected event', async (t) => {
  const db = await createTestDatabase(t)
  const admin = new pg.Client({ connectionString: db.adminUrl })
  await admin.connect()
  t.teardown(() => admin.end())
  const proxy = await gatedProxy(t, new URL(db.adminUrl))
  const listener = new PgListener(proxy.url, ['pgr'])
  await listener.start()
  let connected = 0
  listener.on('connected', () => void connected++)
  const lost = new Promise((resolve) => listener.once('disconnected', resolve))
  proxy.close()
  await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN%'", [db.name])
  await lost
  // the reconnect is under way, held at the proxy; stop() comes now, then the connection goes through
  await until(async () => proxy.held() === 1, 'the reconnect at the proxy')
  const stopping = listener.stop()
  proxy.release()
  await stopping
  await until(async () => (await listeners(admin, db.name)) === 0, 'no connection left')
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal(connected, 0, 'no connected event after stop()')
  t.equal(listener.connected, false)
  t.equal(await listeners(admin, db.name), 0, 'and none came back')
})
