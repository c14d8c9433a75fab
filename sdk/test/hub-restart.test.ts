// The hub process killed (SIGKILL) under live clients on every WebSocket the SDK supports (`ws`,
// Node's built-in, Chromium's), each following a shared live query (anon, a named query) and a
// per-user one (a signed-in user's builder query under RLS), while writes go on directly in
// PostgreSQL; then the hub started again. Every client comes back to `live` by itself with rows
// equal to a fresh SELECT, having resumed with exactly the deltas it missed (the restarted hub
// takes over the feeds the killed one left in pg_reactive and reads them from its delta log) —
// and a client started while the hub was down goes live as soon as it is up. Nothing the killed
// hub held is left behind in pg_reactive.
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import t from 'tap'
import { startHubProcess } from '@pgstack/hub/testing'
import { launchBrowser } from '@pgstack/infra/browser'
import { createTestDatabase } from '@pgstack/infra/testing'
import type { ProbeConfig, ProbeEvent } from './fault/live-probe.ts'
import { RUNTIMES, startProbe, type Probe } from './fault/probes.ts'

const db = await createTestDatabase(t)
const admin = new pg.Client({ connectionString: db.adminUrl })
await admin.connect()
t.teardown(() => admin.end())
await admin.query(readFileSync(join(import.meta.dirname, 'fixtures.sql'), 'utf8'))
const SHARED_SQL =
  'SELECT id, title, done, owner, created_at FROM todos WHERE done = $1 ORDER BY created_at DESC, id'
await admin.query(`SELECT pgr.define('active_todos', $1, '{boolean}')`, [SHARED_SQL])
const hub = await startHubProcess(t, { database: db })
const browser = await launchBrowser()
t.teardown(() => browser.close())

const ann = randomUUID()
const annToken = await hub.signToken({ role: 'authenticated', sub: ann })
await admin.query(`INSERT INTO todos (title, owner) VALUES ('ann: private', $1)`, [ann])

const PER_USER_QUERY = 'select=id,title,done,owner&done=eq.false&order=id'
const reconnect = { minMs: 100, maxMs: 2_000 }
const shared: ProbeConfig = {
  url: hub.url,
  query: 'active_todos',
  params: [false],
  reconnect,
  connectTimeoutMs: 5_000,
  tokens: [hub.anonKey],
}
const perUser: ProbeConfig = {
  ...shared,
  query: '',
  rest: { relation: 'todos', query: PER_USER_QUERY },
  tokens: [annToken],
}

/** What the query returns for this role and these claims right now, as JSON rows. */
async function fresh(config: ProbeConfig): Promise<string> {
  const claims = config === shared ? { role: 'anon' } : { role: 'authenticated', sub: ann }
  const sql =
    config === shared
      ? SHARED_SQL.replace('$1', 'false')
      : 'SELECT id, title, done, owner FROM todos WHERE done = false ORDER BY id'
  await admin.query('BEGIN')
  try {
    await admin.query(
      `SELECT set_config('role', $1, true), set_config('request.jwt.claims', $2, true)`,
      [claims.role, JSON.stringify(claims)],
    )
    const { rows } = await admin.query<{ rows: object[] }>(
      `SELECT coalesce(json_agg(q), '[]') AS rows FROM (${sql}) q`,
    )
    return canon(rows[0]!.rows)
  } finally {
    await admin.query('ROLLBACK')
  }
}
/** Rows as JSON, keys as they came: a fresh SELECT's json_agg and the live rows, both in the SELECT's column order. */
const canon = (rows: unknown[] | undefined) => JSON.stringify(rows ?? [])
type Of<K extends ProbeEvent['type']> = Extract<ProbeEvent, { type: K }>
const lastState = (probe: Probe) =>
  probe.events.findLast((e): e is Of<'state'> => e.type === 'state')
/** Waits until the probe is live with rows equal to a fresh SELECT. */
async function liveAndFresh(probe: Probe, config: ProbeConfig, what: string) {
  await admin.query('SELECT pgr.wait_idle()')
  const expected = await fresh(config)
  await probe.until(
    () => {
      const state = lastState(probe)
      return state?.state === 'live' && canon(state.rows) === expected
    },
    `${what}: live with rows equal to a fresh SELECT ${expected}`,
    30_000,
  )
}

t.test(
  'clients on every WebSocket come back by themselves after the hub is killed and restarted',
  async (t) => {
    const clients: Array<{ probe: Probe; config: ProbeConfig; name: string }> = []
    for (const runtime of RUNTIMES) {
      for (const [kind, config] of [
        ['shared', shared],
        ['per-user', perUser],
      ] as const) {
        const probe = await startProbe(runtime, config, browser)
        t.teardown(() => probe.stop())
        clients.push({ probe, config, name: `${runtime} ${kind}` })
      }
    }
    for (const { probe, config, name } of clients) await liveAndFresh(probe, config, name)
    const titles = (name: string) =>
      (
        lastState(clients.find((c) => c.name === name)!.probe)?.rows as Array<{ title: string }>
      ).map((r) => r.title)
    t.ok(
      titles('chromium per-user').includes('ann: private'),
      "the per-user query shows ann's private row",
    )
    t.notOk(titles('chromium shared').includes('ann: private'), 'the shared (anon) one does not')

    await hub.kill()
    const marks = clients.map(({ probe }) => probe.events.length)
    for (const { probe, name } of clients)
      await probe.until(() => lastState(probe)?.state === 'reconnecting', `${name}: reconnecting`)
    // writes go on while the hub is down: five inserts (two of them ann's) and one update
    for (const [title, owner] of [
      ['down 1', null],
      ['down 2', ann],
      ['down 3', null],
      ['down 4', ann],
      ['down 5', null],
    ]) {
      await admin.query('INSERT INTO todos (title, owner) VALUES ($1, $2)', [title, owner])
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await admin.query("UPDATE todos SET done = true WHERE title = 'buy milk'")
    // a client that starts while the hub is down
    const late = await startProbe('ws', shared)
    t.teardown(() => late.stop())

    await hub.start()
    const healthAt = Date.now()
    for (const { probe, config, name } of [
      ...clients,
      { probe: late, config: shared, name: 'started while down' },
    ])
      await liveAndFresh(probe, config, name)
    t.comment(
      `every client live with fresh rows ${Date.now() - healthAt} ms after /health answered`,
    )

    clients.forEach(({ probe, name }, i) => {
      const frames = probe.events
        .slice(marks[i])
        .filter((e): e is Of<'frame'> => e.type === 'frame')
      const snapshots = frames.filter((f) => f.kind === 'snapshot').length
      const resumed = frames.filter((f) => f.kind === 'resumed')
      t.ok(
        snapshots === 0 && resumed.length === 1,
        `${name}: resumed, no snapshot (${snapshots} snapshot, ${resumed.length} resumed)`,
      )
      // the deltas after the resume: each sequence after the client's once, in order
      const from = resumed[0]?.seq ?? -1
      const deltas = frames
        .slice(frames.indexOf(resumed[0]!) + 1)
        .filter((f) => f.kind === 'delta')
        .map((f) => f.seq!)
      t.ok(deltas.length > 0, `${name}: it missed deltas while the hub was down (${deltas.length})`)
      t.same(
        deltas,
        deltas.map((_, k) => from + 1 + k),
        `${name}: only the deltas it missed, from ${from + 1}, each once`,
      )
      const dials = probe.events.filter((e): e is Of<'dial'> => e.type === 'dial')
      t.same(
        dials.filter((d) => d.others > 0),
        [],
        `${name}: never two sockets at once`,
      )
    })

    // the killed hub's subscriptions were taken over: one per feed, all held by the live hub
    const { rows } = await admin.query<{ feeds: number; subscriptions: number; holders: number; live: number }>(
      `SELECT count(DISTINCT s.feed_id)::int AS feeds, count(*)::int AS subscriptions,
              count(DISTINCT s.holder_pid)::int AS holders,
              count(*) FILTER (WHERE s.orphaned_at IS NULL AND EXISTS (SELECT FROM pg_stat_activity a
                WHERE a.pid = s.holder_pid AND a.backend_start = s.holder_start))::int AS live
         FROM pgr.subscription s`,
    )
    t.same(
      rows[0],
      { feeds: 2, subscriptions: 2, holders: 1, live: 2 },
      "pg_reactive keeps the two feeds, each held once by the restarted hub's session: nothing of the killed hub's left",
    )

    // and the restarted hub carries on: a write reaches every client
    await admin.query("INSERT INTO todos (title) VALUES ('after the restart')")
    for (const { probe, config, name } of clients)
      await liveAndFresh(probe, config, `${name} after a new write`)
  },
)
