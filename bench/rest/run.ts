// REST benchmark: `GET /rest/v1/items?id=eq.N` at concurrency 32 against pgbench running the same
// SELECT with 32 connections, and the server's memory while it streams large JSON responses.
// Starts its own throwaway cluster and hub. Run: node --conditions=@pgstack/source --import tsx bench/rest/run.ts
// Env: NICE (priority of every benchmark process, default -5), SECONDS (per run, default 10), CONNECTIONS (default 32), ROWS (items table size, default 10000),
// POOL (server pool size, default CONNECTIONS), ROUNDS (back-to-back pgbench/REST pairs, default 3).
// Each round runs pgbench (simple protocol), the REST load and pgbench (prepared, what an
// application's driver does) back to back; each ratio is the median over the rounds, because this
// VM's speed drifts by ±20% within minutes, so a baseline measured once and a REST run measured
// later can disagree by more than the target.
import { execFileSync, spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { loadavg, setPriority } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { findPgBinaries } from '@pgstack/infra'
import { startBenchCluster } from '../lib/bench-cluster.ts'
import { startBenchHub } from '../lib/bench-hub.ts'

const SECONDS = Number(process.env.SECONDS ?? 10)
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 32)
const ROWS = Number(process.env.ROWS ?? 10000)
const POOL = Number(process.env.POOL ?? CONNECTIONS)
const ROUNDS = Math.max(1, Number(process.env.ROUNDS ?? 3))
const LOAD = join(import.meta.dirname, 'load.mjs')

// On a shared machine every process of the benchmark (server, PostgreSQL, pgbench, load
// generator) runs at the same raised priority, so that other work disturbs both sides alike.
const NICE = Number(process.env.NICE ?? -5)
const raise = (pid: number | undefined): void => {
  try {
    if (pid) setPriority(pid, NICE)
  } catch {
    // not permitted (not root): run at normal priority
  }
}

function runNode(args: string[]): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LOAD, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    raise(child.pid)
    let out = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString()))
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Record<string, number>) : reject(new Error(`load.mjs exited ${code}`))))
  })
}

const bench = await startBenchCluster('rest')
const { cluster, root } = bench
raise(process.pid)
raise(cluster.pid) // backends forked from now on inherit it
let closeHub: (() => Promise<void>) | undefined
try {
  const { hub, anonKey } = await startBenchHub(cluster, {
    PGSTACK_DB_POOL_SIZE: String(POOL),
  })
  closeHub = () => hub.close()
  const db = new pg.Client({ connectionString: cluster.adminUrl('bench') })
  await db.connect()
  await db.query(`CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, qty int NOT NULL)`)
  await db.query(`INSERT INTO items SELECT g, 'item ' || g, g % 100 FROM generate_series(1, $1) g`, [ROWS])
  await db.query(`CREATE TABLE wide AS SELECT g AS id, md5(g::text) AS a, md5((g * 7)::text) AS b, g * 1.5 AS c, now() AS d FROM generate_series(1, 100000) g`)
  await db.query('VACUUM ANALYZE')
  await db.end()
  const port = hub.port
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${hub.url}/rest/v1/wide?limit=1`, { headers: { apikey: anonKey } })
    await res.arrayBuffer()
    if (res.ok) break
    await new Promise((r) => setTimeout(r, 50))
  }

  // pgbench baseline: the same SELECT, same number of connections.
  const script = join(root, 'select.sql')
  writeFileSync(script, `\\set id random(1, ${ROWS})\nSELECT id, name, qty FROM items WHERE id = :id;\n`)
  const bins = findPgBinaries()
  const pgbenchBin = join(bins.bindir, 'pgbench')
  const pgbench = (mode: string) => {
    const out = execFileSync('nice', ['-n', String(NICE), pgbenchBin, '-n', '-M', mode, '-c', String(CONNECTIONS), '-j', '2', '-T', String(SECONDS), '-f', script, cluster.adminUrl('bench')], { encoding: 'utf8' })
    return Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? 0)
  }
  const select = readFileSync(script, 'utf8')
  // The server's own two statements for that request, pipelined with one Sync as the server sends
  // them: what PostgreSQL alone can do of this work (where time goes).
  writeFileSync(script, `\\set id random(1, ${ROWS})
\\startpipeline
SELECT num_nulls(set_config('role', 'anon', true), set_config('request.jwt.claims', '{"role":"anon"}', true), set_config('request.method', 'GET', true), set_config('request.path', '/rest/v1/items', true), set_config('request.headers', '{"host":"127.0.0.1","apikey":"x"}', true), set_config('request.cookies', '{}', true), set_config('transaction_read_only', 'on', true));
WITH pgrst_source AS (SELECT "public"."items"."id" AS "id", "public"."items"."name" AS "name", "public"."items"."qty" AS "qty" FROM "public"."items" WHERE "public"."items"."id" = :id) SELECT NULL::bigint AS pgrst_total, count(pgrst_t.pgrst_r) OVER () AS pgrst_page, row_to_json(pgrst_t.pgrst_r)::text AS pgrst_body FROM (SELECT 1) AS pgrst_one LEFT JOIN (SELECT pgrst_s AS pgrst_r FROM pgrst_source AS pgrst_s) AS pgrst_t ON TRUE;
\\endpipeline
`)
  const pgbenchRestSql = pgbench('prepared')
  writeFileSync(script, select)

  await runNode(['127.0.0.1', String(port), String(CONNECTIONS), '2', anonKey, String(ROWS)]) // warm-up
  const pairs: { pgbench: number; prepared: number; rest: Record<string, number>; serverCpu: number }[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const simple = pgbench('simple')
    const cpuBefore = process.cpuUsage()
    const rest = await runNode(['127.0.0.1', String(port), String(CONNECTIONS), String(SECONDS), anonKey, String(ROWS)])
    const cpu = process.cpuUsage(cpuBefore)
    const prepared = pgbench('prepared')
    pairs.push({ pgbench: simple, prepared, rest, serverCpu: (cpu.user + cpu.system) / 1e6 / SECONDS })
  }
  const ratios = pairs.map((p) => p.rest.tps! / p.pgbench)
  const preparedRatios = pairs.map((p) => p.rest.tps! / p.prepared).sort((a, b) => a - b)
  const preparedRatio = preparedRatios[Math.floor((preparedRatios.length - 1) / 2)]!
  const byRatio = [...pairs].sort((a, b) => a.rest.tps! / a.pgbench - b.rest.tps! / b.pgbench)
  const { pgbench: pgbenchSimple, prepared: pgbenchPrepared, rest, serverCpu } = byRatio[Math.floor((byRatio.length - 1) / 2)]!

  // Memory: sample this process's RSS (the hub runs here) while another process downloads.
  // "live" = heap + external after a forced GC, sampled while streaming (needs --expose-gc).
  const memory: { rows: number; bytes: number; ms: number; rssGrowthMb: number; liveGrowthMb: number }[] = []
  const gc = (globalThis as { gc?: () => void }).gc
  const live = () => {
    gc?.()
    const m = process.memoryUsage()
    return m.heapUsed + m.external
  }
  for (const rows of [1000, 10000, 100000]) {
    await new Promise((r) => setTimeout(r, 200))
    const before = process.memoryUsage().rss
    const liveBefore = live()
    let peak = before
    let livePeak = liveBefore
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss)
      if (gc) livePeak = Math.max(livePeak, live())
    }, 20)
    const got = await runNode(['get', '127.0.0.1', String(port), `/rest/v1/wide?order=id&limit=${rows}`, anonKey])
    clearInterval(timer)
    const mb = (n: number) => Math.round((n / 1048576) * 10) / 10
    memory.push({ rows, bytes: got.bytes!, ms: Math.round(got.ms!), rssGrowthMb: mb(peak - before), liveGrowthMb: mb(livePeak - liveBefore) })
  }

  const ratio = rest.tps! / pgbenchSimple
  console.log(`\nREST bench (${CONNECTIONS} connections, server pool ${POOL}, ${SECONDS}s per run, items of ${ROWS} rows, ${bins.major} on ${process.platform}):`)
  console.log(`  rounds (pgbench simple → REST → pgbench prepared): ${pairs.map((p) => `${p.pgbench.toFixed(0)} → ${p.rest.tps!.toFixed(0)} → ${p.prepared.toFixed(0)} (${(p.rest.tps! / p.pgbench).toFixed(2)}× / ${(p.rest.tps! / p.prepared).toFixed(2)}×)`).join(', ')}`)
  console.log(`  the median pair:`)
  console.log(`  pgbench SELECT by id (simple protocol):   ${pgbenchSimple.toFixed(0)} TPS`)
  console.log(`  pgbench SELECT by id (prepared):          ${pgbenchPrepared.toFixed(0)} TPS`)
  console.log(`  pgbench running the server's own statements: ${pgbenchRestSql.toFixed(0)} TPS (settings + JSON statement, pipelined, one Sync)`)
  console.log(`  GET /rest/v1/items?id=eq.N:               ${rest.tps!.toFixed(0)} TPS  (p50 ${rest.p50!.toFixed(2)} ms, p99 ${rest.p99!.toFixed(2)} ms, ${rest.failed} failed)`)
  console.log(`  server (Node) CPU during the REST run:    ${(serverCpu * 100).toFixed(0)}% of one core, ${((serverCpu * 1e6) / rest.tps!).toFixed(0)} µs per request`)
  console.log(`  ratio REST / pgbench (simple):            ${ratio.toFixed(2)}×  (median of ${ROUNDS} pairs, range ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}; target ≥ 0.5×)`)
  console.log(`  ratio REST / pgbench (prepared):          ${preparedRatio.toFixed(2)}×  (median of ${ROUNDS} rounds, range ${preparedRatios[0]!.toFixed(2)}–${preparedRatios[preparedRatios.length - 1]!.toFixed(2)}; target ≥ 0.5×)`)
  console.log(`  machine load average (1 min) at the end:  ${loadavg()[0]!.toFixed(2)}`)
  console.log('  large JSON responses (server RSS growth while streaming):')
  for (const m of memory) {
    console.log(`    ${String(m.rows).padStart(6)} rows  ${(m.bytes / 1048576).toFixed(1).padStart(5)} MB in ${m.ms} ms   RSS +${m.rssGrowthMb} MB, live heap +${m.liveGrowthMb} MB`)
  }
} finally {
  await closeHub?.()
  await bench.dispose()
}
