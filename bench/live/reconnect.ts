// Reconnect bench: CLIENTS live clients (the SDK on `ws`, in PROCESSES load processes), each
// following a shared live query and its user's own (USERS per-user feeds); the hub process killed
// with SIGKILL, writes going on in PostgreSQL for DOWN_MS, the hub started again. Reports the time
// from /health answering again to every client live with rows equal to a fresh SELECT, and how
// the reconnect backoff's jitter spreads the storm (sockets opened per second at the peak).
// Loopback only. Run: node --conditions=@pgstack/source --import tsx bench/live/reconnect.ts
// Env: CLIENTS (1000), USERS (100), DOWN_MS (3000), PROCESSES (2).
import { fork, type ChildProcess } from 'node:child_process'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { ensureExtensionInstalled, findPgBinaries } from '@pgstack/infra'
import { startHubProcess } from '@pgstack/hub/testing'
import { startBenchCluster } from '../lib/bench-cluster.ts'

const CLIENTS = Number(process.env.CLIENTS ?? 1000)
const USERS = Number(process.env.USERS ?? 100)
const DOWN_MS = Number(process.env.DOWN_MS ?? 3000)
const PROCESSES = Number(process.env.PROCESSES ?? 2)
/** What the issue saw before the fix, printed beside the figures. */
const BASELINE =
  "before (issue 11): one `ws` client live 4.6 s after the restart; on Node's built-in WebSocket never"

const teardowns: Array<() => unknown> = []
const t = { teardown: (fn: () => unknown) => void teardowns.push(fn) }
/** Rows as JSON, keys in the SELECT's column order (live rows carry it), as the load processes compare them. */
const canon = (rows: unknown[]) => JSON.stringify(rows)
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const log = (line: string) => console.error(line)

const bins = findPgBinaries()
ensureExtensionInstalled(bins, log)
const bench = await startBenchCluster('reconnect', {
  preloadLibraries: ['pg_reactive'],
  settings: { max_worker_processes: 16 },
})
const { cluster } = bench
teardowns.push(() => bench.dispose())
try {
  const setup = new pg.Client({ connectionString: cluster.adminUrl('postgres') })
  await setup.connect()
  await setup.query('CREATE DATABASE bench')
  await setup.end()
  const hub = await startHubProcess(t, {
    database: {
      url: cluster.socketUrl('authenticator', 'bench'),
      adminUrl: cluster.adminUrl('bench'),
    },
  })
  const db = new pg.Client({ connectionString: cluster.adminUrl('bench') })
  await db.connect()
  teardowns.push(() => db.end())
  const claimSub = "current_setting('request.jwt.claims', true)::jsonb ->> 'sub'"
  await db.query(`
    CREATE TABLE todo (id serial PRIMARY KEY, owner text, title text NOT NULL, done boolean NOT NULL DEFAULT false);
    INSERT INTO todo (owner, title, done) SELECT NULL, 'shared ' || g, g % 5 = 0 FROM generate_series(1, 200) g;
    INSERT INTO todo (owner, title) SELECT 'u' || (g % ${USERS}), 'mine ' || g FROM generate_series(1, ${USERS * 5}) g;
    ALTER TABLE todo ENABLE ROW LEVEL SECURITY;
    CREATE POLICY visible ON todo USING (owner IS NULL OR owner = ${claimSub});
    GRANT SELECT ON todo TO anon, authenticated;
    SELECT pgr.define('open_todos', 'SELECT id, title FROM todo WHERE owner IS NULL AND NOT done ORDER BY id');
    SELECT pgr.define('my_todos', 'SELECT id, title, done FROM todo WHERE owner = ${claimSub.replaceAll("'", "''")} ORDER BY id');
  `)
  const tokens = await Promise.all(
    Array.from({ length: USERS }, (_, u) => hub.signToken({ role: 'authenticated', sub: `u${u}` })),
  )
  const clients = Array.from({ length: CLIENTS }, (_, i) => ({
    user: `u${i % USERS}`,
    token: tokens[i % USERS]!,
  }))

  const children: ChildProcess[] = []
  const answers = new Map<ChildProcess, (message: Record<string, unknown>) => void>()
  const ask = (request: object) =>
    Promise.all(
      children.map(
        (child) =>
          new Promise<Record<string, unknown>>((resolve) => {
            answers.set(child, resolve)
            child.send(request)
          }),
      ),
    )
  for (let p = 0; p < PROCESSES; p++) {
    const share = clients.filter((_, i) => i % PROCESSES === p)
    const child = fork(join(import.meta.dirname, 'reconnect-clients.ts'), [
      JSON.stringify({ url: hub.url, clients: share }),
    ])
    teardowns.push(() => child.kill('SIGKILL'))
    await new Promise((resolve) => child.once('message', resolve))
    child.on('message', (message: Record<string, unknown>) => answers.get(child)?.(message))
    children.push(child)
  }
  const allLive = async (ms: number) => {
    for (const end = Date.now() + ms; Date.now() < end; await wait(20)) {
      const live = (await ask({ type: 'status' })).reduce((n, a) => n + (a.live as number), 0)
      if (live === CLIENTS) return true
    }
    return false
  }
  if (!(await allLive(120_000)))
    throw new Error('the clients did not all go live before the restart')
  const fresh = async () => {
    await db.query('SELECT pgr.wait_idle()')
    const rows = async (sql: string, values: unknown[] = []) =>
      canon(
        (
          await db.query<{ r: unknown[] }>(
            `SELECT coalesce(json_agg(q), '[]') AS r FROM (${sql}) q`,
            values,
          )
        ).rows[0]!.r,
      )
    const shared = await rows(
      'SELECT id, title FROM todo WHERE owner IS NULL AND NOT done ORDER BY id',
    )
    const perUser: Record<string, string> = {}
    for (let u = 0; u < USERS; u++)
      perUser[`u${u}`] = await rows(
        'SELECT id, title, done FROM todo WHERE owner = $1 ORDER BY id',
        [`u${u}`],
      )
    return { shared, perUser }
  }

  const load = loadavg()[0]!
  const killedAt = Date.now()
  await hub.kill()
  let writes = 0
  while (Date.now() - killedAt < DOWN_MS) {
    await db.query(
      "INSERT INTO todo (owner, title) VALUES (NULL, 'while down ' || $1), ('u' || ($1::int % $2::int), 'mine while down ' || $1)",
      [writes, USERS],
    )
    await db.query('UPDATE todo SET done = NOT done WHERE id = 1 + $1::int % 200', [writes++])
    await wait(100)
  }
  await hub.start()
  const healthAt = Date.now()
  if (!(await allLive(120_000))) throw new Error('the clients did not all come back within 120 s')
  const reports = await ask({ type: 'since', at: killedAt })
  const liveAt = reports
    .flatMap((r) => r.liveAt as number[])
    .map((at) => at - healthAt)
    .sort((a, b) => a - b)
  const dials = reports.flatMap((r) => r.dials as number[])
  const resumes = reports.reduce((n, r) => n + (r.resumes as number), 0)
  const snapshots = reports.reduce((n, r) => n + (r.snapshots as number), 0)
  const after = dials.filter((at) => at >= healthAt).map((at) => at - healthAt)
  const perSecond = new Map<number, number>()
  for (const at of after)
    perSecond.set(Math.floor(at / 1000), (perSecond.get(Math.floor(at / 1000)) ?? 0) + 1)
  const peak = Math.max(...perSecond.values())
  const expected = await fresh()
  let wrong = -1
  for (const end = Date.now() + 15_000; Date.now() < end; await wait(100)) {
    wrong = (await ask({ type: 'check', ...expected })).reduce((n, a) => n + (a.wrong as number), 0)
    if (wrong === 0) break
  }
  const { rows } = await db.query<{ feeds: number; subscriptions: number; orphans: number }>(
    `SELECT count(DISTINCT s.feed_id)::int AS feeds, count(*)::int AS subscriptions,
            count(*) FILTER (WHERE NOT EXISTS (SELECT FROM pg_stat_activity a
              WHERE a.pid = s.holder_pid AND a.backend_start = s.holder_start))::int AS orphans
       FROM pgr.subscription s`,
  )
  const q = (p: number) => liveAt[Math.min(liveAt.length - 1, Math.floor(p * liveAt.length))]!
  console.log(`
reconnect after a hub SIGKILL — ${CLIENTS} clients (each signed in as one of ${USERS} users, following open_todos and my_todos: a feed per user and query), ${PROCESSES} load processes, ws
  outage ${DOWN_MS} ms after the kill (${writes * 3} row changes written meanwhile), then the hub started; /health answered ${healthAt - killedAt} ms after the kill
  /health → every client live        ${q(1)} ms   (p50 ${q(0.5)} ms, p95 ${q(0.95)} ms)
  rows equal to a fresh SELECT         ${wrong === 0 ? 'all clients' : `${wrong} clients differ`}
  subscriptions back by                ${resumes} resumes (missed deltas from pg_reactive's log), ${snapshots} snapshots
  sockets opened during the outage     ${dials.length - after.length} (${((dials.length - after.length) / CLIENTS).toFixed(1)} per client, refused)
  sockets opened after /health         ${after.length}; peak ${peak}/s, spread over ${Math.max(...after)} ms
  per second after /health             ${[...perSecond.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([s, n]) => `${s}s:${n}`)
    .join(' ')}
  pg_reactive after the restart        ${rows[0]!.feeds} feeds, ${rows[0]!.subscriptions} subscriptions, ${rows[0]!.orphans} of them orphans (the killed hub's, until taken over or pg_reactive.orphan_grace ends)
  load average (1 min) at the kill     ${load.toFixed(2)}
  baseline: ${BASELINE}
`)
} finally {
  for (const fn of teardowns.reverse()) await fn()
}
