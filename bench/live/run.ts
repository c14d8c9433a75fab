// Live-query benchmark: the hub in this process, the subscribers and the writer in a separate
// load-generator process (load.mjs), a throwaway PostgreSQL cluster with pg_reactive. Scenarios:
//   shared-1k   1,000 subscribers on one shared live query, 20 writes/s
//   rls-1k      1,000 subscribers, each with its own RLS-filtered feed, 20 writes/s
//   shared-10k  10,000 subscribers on one shared live query, 10 writes/s
// Reports commit → client p50/p95/p99, deliveries/s, hub RSS per idle subscriber, hub and load
// generator CPU. Loopback only. Run: node --expose-gc --import tsx bench/live/run.ts [scenario…]
// Env: SECONDS (default 10), SAMPLE (latency-sampled clients in shared scenarios, default 500).
import { fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chownSync, mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { ensureExtensionInstalled, findPgBinaries, serverOsUser, startCluster } from '@pgstack/infra'
import { startBenchHub } from '../lib/bench-hub.ts'

const SECONDS = Number(process.env.SECONDS ?? 10)
const SAMPLE = Number(process.env.SAMPLE ?? 500)
const SCENARIOS = {
  'shared-1k': { scenario: 'shared', clients: 1000, rate: 20 },
  'rls-1k': { scenario: 'rls', clients: 1000, rate: 20 },
  'shared-10k': { scenario: 'shared', clients: 10_000, rate: 10 },
  'shared-10': { scenario: 'shared', clients: 10, rate: 20 }, // the same path without fan-out
} as const
type Name = keyof typeof SCENARIOS
const chosen = (process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(SCENARIOS)) as Name[]

const bins = findPgBinaries()
ensureExtensionInstalled(bins, (line) => console.error(line))
const root = mkdtempSync(join(tmpdir(), 'pgstack-bench-live-'))
const user = serverOsUser()
if (user) chownSync(root, user.uid, user.gid)
const password = randomBytes(12).toString('hex')
const cluster = await startCluster({
  dataDir: join(root, 'data'),
  socketDir: join(root, 'run'),
  logFile: join(root, 'postgres.log'),
  superuserPassword: password,
  preloadLibraries: ['pg_reactive'],
  settings: { max_connections: 200, shared_buffers: '256MB', fsync: 'off', synchronous_commit: 'off', max_worker_processes: 16 },
})
const rss = () => process.memoryUsage().rss
const fmt = (value: number | null | undefined, digits: number) => (typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : '–')
const settle = async () => {
  for (let i = 0; i < 3; i++) {
    ;(globalThis as { gc?: () => void }).gc?.()
    await new Promise((r) => setTimeout(r, 300))
  }
}

let closeHub: (() => Promise<void>) | undefined
try {
  const { hub, secret, anonKey } = await startBenchHub(cluster, {
    PGSTACK_LIVE_FEED_LINGER_MS: '0',
  }, (line) => console.error(`hub: ${line}`))
  closeHub = () => hub.close()
  const db = new pg.Client({ connectionString: cluster.adminUrl('bench') })
  await db.connect()
  await db.query(`
    CREATE TABLE item (id int PRIMARY KEY, n int NOT NULL DEFAULT 0, label text NOT NULL);
    INSERT INTO item SELECT g, 0, 'item ' || g FROM generate_series(1, 100) g;
    GRANT SELECT ON item TO anon;
    SELECT pgr.define('items', 'SELECT id, n, label FROM item ORDER BY id');
    CREATE TABLE note (id int PRIMARY KEY, owner text NOT NULL, n int NOT NULL DEFAULT 0);
    INSERT INTO note SELECT g, 'u' || g, 0 FROM generate_series(0, 9999) g;
    ALTER TABLE note ENABLE ROW LEVEL SECURITY;
    CREATE POLICY mine ON note TO authenticated USING (owner = current_setting('request.jwt.claims', true)::jsonb ->> 'sub');
    GRANT SELECT ON note TO authenticated;
    SELECT pgr.define('mine', 'SELECT id, owner, n FROM note ORDER BY id');
  `)
  await db.end()
  const wsUrl = hub.url.replace(/^http/, 'ws')

  const results: string[] = []
  for (const name of chosen) {
    const s = SCENARIOS[name]
    await settle()
    const before = rss()
    const heapBefore = process.memoryUsage().heapUsed
    // 10k subscribers: split the counting clients over two processes so the generator keeps up
    const processes = s.clients > 5000 ? 2 : 1
    const share = Math.ceil(s.clients / processes)
    const children = Array.from({ length: processes }, (_, p) =>
      fork(join(import.meta.dirname, 'load.mjs'), [
        JSON.stringify({ ...s, wsUrl, adminUrl: cluster.adminUrl('bench'), sample: SAMPLE, seconds: SECONDS, token: anonKey, secret,
          from: p * share, to: Math.min(s.clients, (p + 1) * share), extra: p > 0 }),
      ], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    )
    const next = (child: ReturnType<typeof fork>) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        child.once('message', (m) => ((m as { error?: string }).error ? reject(new Error((m as { error: string }).error)) : resolve(m as Record<string, unknown>)))
        child.once('exit', (code) => code && reject(new Error(`load generator exited ${code}`)))
      })
    const connectStarted = performance.now()
    const readies = children.map((child) => next(child))
    for (const child of children) child.send('connect')
    await Promise.all(readies)
    const ready = { connectSeconds: (performance.now() - connectStarted) / 1000 }
    await settle()
    const idle = rss()
    const perSubscriber = (idle - before) / s.clients
    const heapPerSubscriber = (process.memoryUsage().heapUsed - heapBefore) / s.clients
    const stats = hub.live.stats()
    const cpuGo = process.cpuUsage()
    const t0 = performance.now()
    const done = children.map((child) => next(child))
    for (const child of children) child.send('go')
    const outputs = (await Promise.all(done)) as Array<{ result: Record<string, number> }>
    const result = { ...outputs[0]!.result }
    result.deliveriesPerSecond = outputs.reduce((sum, o) => sum + o.result.deliveriesPerSecond!, 0)
    result.loadCpuPercent = outputs.reduce((sum, o) => sum + o.result.loadCpuPercent!, 0)
    const hubCpu = process.cpuUsage(cpuGo)
    const lagEvents = hub.live.stats().lagEvents - stats.lagEvents
    const hubCpuPercent = ((hubCpu.user + hubCpu.system) / 1000 / (performance.now() - t0)) * 100
    await Promise.all(children.map((child) => new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(null)))))
    const line =
      `${name.padEnd(11)} ${String(s.clients).padStart(6)} subs ${String(s.rate).padStart(3)} w/s | ` +
      `commit→client p50 ${fmt(result.p50, 1)} ms  p95 ${fmt(result.p95, 1)} ms  p99 ${fmt(result.p99, 1)} ms  max ${fmt(result.max, 1)} ms (${result.samples} samples; commit→NOTIFY p50 ${fmt(result.notifyP50, 1)} p99 ${fmt(result.notifyP99, 1)} ms; fan-out spread p50 ${fmt(result.spreadP50, 1)} p99 ${fmt(result.spreadP99, 1)} ms) | ` +
      `${Math.round(result.deliveriesPerSecond!)} delta deliveries/s | hub RSS/idle sub ${(perSubscriber / 1024).toFixed(1)} KB (JS heap ${(heapPerSubscriber / 1024).toFixed(1)} KB) | ` +
      `hub CPU ${hubCpuPercent.toFixed(0)}% | load gen CPU ${fmt(result.loadCpuPercent, 0)}% in ${processes} process(es) (loop delay p99 ${fmt(result.loopDelayP99, 0)} ms) | connect ${(ready.connectSeconds as number).toFixed(1)} s | load avg ${loadavg()[0]!.toFixed(1)}` +
      ` | feeds ${stats.feeds.length} | slow-socket resyncs ${lagEvents}`
    console.log(line)
    results.push(line)
    await new Promise((r) => setTimeout(r, 1000))
  }
  console.log(`\nLive bench (${SECONDS} s per scenario, PostgreSQL ${bins.major}, ${process.platform}, loopback):`)
  for (const line of results) console.log(`  ${line}`)
} finally {
  await closeHub?.()
  await cluster.stop()
  rmSync(root, { recursive: true, force: true })
}
