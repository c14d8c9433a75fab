// Live-query benchmark: the hub in this process, the subscribers and the writer in load-generator
// processes (load.mjs: a lead with the writer and the latency-sampled subscribers, counters with
// the rest), a throwaway PostgreSQL cluster with pg_reactive. Scenarios:
//   shared-1k   1,000 subscribers on one shared live query, 20 writes/s
//   rls-1k      1,000 subscribers, each with its own RLS-filtered feed, 20 writes/s
//   shared-10k  10,000 subscribers on one shared live query, 10 writes/s
//   routing     user-1k user-10k room-1000-20 room-1000 room-100x10 (routing.ts): per-user and per-room
//               feeds of a top-25 query, each with pg_reactive.routing on and off (MODES=on,off)
// Reports commit → client p50/p95/p99 (every delivery of a write, timed from when the write was
// sent: an upper bound by the UPDATE's round trip, printed beside it), delta deliveries/s
// (counted at the clients, checked against what the hub sent), hub RSS per idle subscriber, hub
// CPU, and each load process's CPU and event loop delay. Loopback only.
// Run: node --expose-gc --conditions=@pgstack/source --import tsx bench/live/run.ts [scenario…]
// Env: SECONDS (default 10), SAMPLE (latency-sampled clients in shared scenarios, default 500),
// COUNTERS (counter processes; default one per 5,000 counted subscribers),
// RATE (writes/s instead of the scenario's, to find where the latency bends).
import { fork } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { ensureExtensionInstalled, findPgBinaries } from '@pgstack/infra'
import { startBenchCluster } from '../lib/bench-cluster.ts'
import { startBenchHub } from '../lib/bench-hub.ts'
import { createRoutingTables, measureRoutingModes, ROUTING_BASELINE, ROUTING_SCENARIOS } from './routing.ts'

const SECONDS = Number(process.env.SECONDS ?? 10)
const SAMPLE = Number(process.env.SAMPLE ?? 500)
/** Counted (not sampled) subscribers per counter process; COUNTERS overrides the count. */
const PER_COUNTER = 5000
const SCENARIOS = {
  'shared-1k': { scenario: 'shared', clients: 1000, rate: 20 },
  'rls-1k': { scenario: 'rls', clients: 1000, rate: 20 },
  'shared-10k': { scenario: 'shared', clients: 10_000, rate: 10 },
  'shared-10': { scenario: 'shared', clients: 10, rate: 20 }, // the same path without fan-out
  ...ROUTING_SCENARIOS,
} as const
type Name = keyof typeof SCENARIOS
const DEFAULT_SCENARIOS: Name[] = ['shared-1k', 'rls-1k', 'shared-10k', 'shared-10']
const MODES = (process.env.MODES ?? 'on,off').split(',')
/** What every load process reports (load.mjs); the lead adds the writer's and the latency figures. */
interface LoadResult { delivered: number; others: number; closedByHub: number; firstAt: number; lastAt: number; cpuPercent: number; sysPercent: number; loopDelayP99: number }
interface LeadResult { writes: number; writingSeconds: number; startedAt: number; samples: number; p50: number; p95: number; p99: number; max: number; notifyP50: number; notifyP99: number; writeP50: number; writeP99: number; unanswered: number; spreadP50: number; spreadP99: number }
/** The issue's reference point, printed beside the figures. */
const BASELINE = 'naive trigger + NOTIFY + ws hub measured here: p99 27–41 ms at 1,000 subscribers, saturates near 75,000 deliveries/s per core'
const chosen = (process.argv.slice(2).length ? process.argv.slice(2) : DEFAULT_SCENARIOS).flatMap((name) =>
  name === 'routing' ? Object.keys(ROUTING_SCENARIOS) : [name],
) as Name[]

const bins = findPgBinaries()
ensureExtensionInstalled(bins, (line) => console.error(line))
const bench = await startBenchCluster('live', { preloadLibraries: ['pg_reactive'], settings: { max_worker_processes: 16 } })
const { cluster } = bench
const rss = () => process.memoryUsage().rss
/** All CPUs' busy and total jiffies from /proc/stat (Linux), to show what else ran in the window. */
const cpuTimes = () => {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
    const idle = f[3]! + (f[4] ?? 0)
    const total = f.reduce((a, b) => a + b, 0)
    return { busy: total - idle, total }
  } catch {
    return null
  }
}
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
  if (chosen.some((name) => name in ROUTING_SCENARIOS)) await createRoutingTables(db)
  await db.end()
  const wsUrl = hub.url.replace(/^http/, 'ws')

  const results: string[] = []
  for (const name of chosen) {
    const s = { ...SCENARIOS[name], rate: Number(process.env.RATE ?? SCENARIOS[name].rate) }
    await settle()
    const before = rss()
    const heapBefore = process.memoryUsage().heapUsed
    // The lead process writes and holds the latency-sampled subscribers; counters hold the rest.
    const sampled = s.scenario === 'shared' ? Math.min(s.clients, SAMPLE) : s.clients
    const counted = s.clients - sampled
    const counters = counted === 0 ? 0 : Number(process.env.COUNTERS ?? Math.max(1, Math.ceil(counted / PER_COUNTER)))
    const ids = Array.from({ length: s.clients }, (_, i) => i)
    const shares = [ids.slice(0, sampled)]
    for (let c = 0; c < counters; c++) {
      shares.push(ids.slice(sampled + Math.floor((c * counted) / counters), sampled + Math.floor(((c + 1) * counted) / counters)))
    }
    const children = shares.map((share, p) =>
      fork(join(import.meta.dirname, 'load.mjs'), [
        JSON.stringify({ ...s, role: p === 0 ? 'lead' : 'counter', ids: share, wsUrl, adminUrl: cluster.adminUrl('bench'), seconds: SECONDS, token: anonKey, secret, drainSeconds: 60 }),
      ], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    )
    // one listener each for a child's answers and its exit; `next` waits for the next answer
    const waiting = new Map<ReturnType<typeof fork>, { resolve(m: Record<string, unknown>): void; reject(e: Error): void }>()
    for (const child of children) {
      child.on('message', (m: { error?: string }) => {
        const w = waiting.get(child)
        waiting.delete(child)
        if (m.error) w?.reject(new Error(m.error))
        else w?.resolve(m)
      })
      child.on('exit', (code) => code && waiting.get(child)?.reject(new Error(`load generator exited ${code}`)))
    }
    const next = (child: ReturnType<typeof fork>) =>
      new Promise<Record<string, unknown>>((resolve, reject) => waiting.set(child, { resolve, reject }))
    // Connected in rounds, every process a slice each round, so the sampled subscribers are spread
    // through the topic's subscriber list instead of all being first (or last) in the fan-out.
    const connectStarted = performance.now()
    const rounds = Math.max(1, Math.ceil(s.clients / 500))
    for (let round = 0; round < rounds; round++) {
      const readies = children.map((child) => next(child))
      for (const child of children) child.send({ type: 'connect', round, rounds })
      await Promise.all(readies)
    }
    const connectSeconds = (performance.now() - connectStarted) / 1000
    // every new feed gets a first pass in full from the worker; measure the steady state after it
    const warm = new pg.Client({ connectionString: cluster.adminUrl('bench') })
    await warm.connect()
    await warm.query('SELECT pgr.wait_idle(300000)')
    await warm.end()
    await settle()
    if (name in ROUTING_SCENARIOS) {
      const go = async () => {
        const answer = next(children[0]!)
        children[0]!.send({ type: 'go' })
        return ((await answer) as { result: LoadResult & LeadResult }).result
      }
      results.push(...(await measureRoutingModes(name, ROUTING_SCENARIOS[name]!, cluster.adminUrl('bench'), go, MODES)))
      for (const child of children) child.send({ type: 'stop' })
      await Promise.all(children.map((child) => new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(null)))))
      continue
    }
    const idle = rss()
    const perSubscriber = (idle - before) / s.clients
    const heapPerSubscriber = (process.memoryUsage().heapUsed - heapBefore) / s.clients
    const stats = hub.live.stats()
    const published = (x: typeof stats) => x.feeds.reduce((sum, f) => sum + f.deliveries_total, 0)
    const cpuGo = process.cpuUsage()
    const machineGo = cpuTimes()
    const t0 = performance.now()
    const [lead, ...rest] = children.map((child) => next(child))
    for (const child of children.slice(1)) child.send({ type: 'go' })
    children[0]!.send({ type: 'go' })
    const leadResult = ((await lead!) as { result: LoadResult & LeadResult }).result
    const hubCpu = process.cpuUsage(cpuGo)
    const machineEnd = cpuTimes()
    const hubSeconds = (performance.now() - t0) / 1000
    const after = hub.live.stats()
    for (const child of children) child.send({ type: 'stop' })
    const counterResults = ((await Promise.all(rest)) as Array<{ result: LoadResult }>).map((o) => o.result)
    await Promise.all(children.map((child) => new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(null)))))
    const all = [leadResult, ...counterResults]
    const received = all.reduce((sum, r) => sum + r.delivered, 0)
    const handed = published(after) - published(stats)
    const lastAt = Math.max(...all.map((r) => (Number.isFinite(r.lastAt) ? r.lastAt : 0)))
    const deliveriesPerSecond = received / ((lastAt - leadResult.startedAt) / 1000)
    const others = all.reduce((sum, r) => sum + r.others, 0)
    const closedByHub = all.reduce((sum, r) => sum + r.closedByHub, 0)
    const lagEvents = after.lagEvents - stats.lagEvents
    const hubCpuSeconds = (hubCpu.user + hubCpu.system) / 1e6
    const hubCpuPercent = (hubCpuSeconds / hubSeconds) * 100
    const loadCpu = all.reduce((sum, r) => sum + r.cpuPercent, 0)
    const perProcess = all.map((r, p) => `${p === 0 ? 'lead' : `counter ${p}`} ${fmt(r.cpuPercent, 0)}% (sys ${fmt(r.sysPercent, 0)}%, loop p99 ${fmt(r.loopDelayP99, 0)} ms)`).join(', ')
    const result = leadResult
    const machineBusy = machineGo && machineEnd ? ((machineEnd.busy - machineGo.busy) / (machineEnd.total - machineGo.total)) * 100 : NaN
    // what neither the hub nor the load processes used: PostgreSQL, and whatever else runs on the box
    const othersCpu = machineBusy * availableParallelism() - hubCpuPercent - leadResult.cpuPercent - counterResults.reduce((sum, r) => sum + r.cpuPercent, 0)
    const line =
      `${name.padEnd(11)} ${String(s.clients).padStart(6)} subs ${String(s.rate).padStart(3)} w/s | ` +
      `commit→client p50 ${fmt(result.p50, 1)} ms  p95 ${fmt(result.p95, 1)} ms  p99 ${fmt(result.p99, 1)} ms  max ${fmt(result.max, 1)} ms (${result.samples} samples on ${sampled} subscribers, ${result.writes} writes; commit→NOTIFY p50 ${fmt(result.notifyP50, 1)} p99 ${fmt(result.notifyP99, 1)} ms; timed from the write's send, its round trip p50 ${fmt(result.writeP50, 1)} p99 ${fmt(result.writeP99, 1)} ms; fan-out spread p50 ${fmt(result.spreadP50, 1)} p99 ${fmt(result.spreadP99, 1)} ms) | ` +
      `${Math.round(deliveriesPerSecond)} delta deliveries/s (received ${received} of the ${handed} the hub sent, ${fmt((received / handed) * 100, 2)}%; other frames ${others}, closed ${closedByHub}) | ` +
      `hub RSS/idle sub ${(perSubscriber / 1024).toFixed(1)} KB (JS heap ${(heapPerSubscriber / 1024).toFixed(1)} KB) | ` +
      `hub CPU ${hubCpuPercent.toFixed(0)}% (user ${((hubCpu.user / 1e4) / hubSeconds).toFixed(0)}%, sys ${((hubCpu.system / 1e4) / hubSeconds).toFixed(0)}%; ${fmt(received / hubCpuSeconds / 1000, 0)}k deliveries per hub CPU-second) | ` +
      `load gen CPU ${fmt(loadCpu, 0)}% in ${children.length} process(es): ${perProcess} | connect ${connectSeconds.toFixed(1)} s | load avg ${loadavg()[0]!.toFixed(1)}, machine ${fmt(machineBusy, 0)}% busy of ${availableParallelism()} cores (everything else ${fmt(othersCpu, 0)}% of a core)` +
      ` | feeds ${stats.feeds.length} | slow-socket resyncs ${lagEvents}`
    console.log(line)
    results.push(line)
    await new Promise((r) => setTimeout(r, 1000))
  }
  console.log(`\nLive bench (${SECONDS} s per scenario, PostgreSQL ${bins.major}, ${process.platform}, loopback):`)
  for (const line of results) console.log(`  ${line}`)
  console.log(`  baseline: ${BASELINE}`)
  if (chosen.some((name) => name in ROUTING_SCENARIOS)) console.log(`  routing baseline: ${ROUTING_BASELINE}`)
} finally {
  await closeHub?.()
  await bench.dispose()
}
