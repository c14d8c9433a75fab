// REST benchmark: `GET /rest/v1/items?id=eq.N` at concurrency 32 against pgbench running the same
// SELECT with 32 connections, and the server's memory while it streams large JSON responses.
// Starts its own throwaway cluster and hub. Run: node --expose-gc --conditions=@pgstack/source --import tsx bench/rest/run.ts
// Env: NICE (priority of every benchmark process, default -5), SECONDS (per run, default 10), CONNECTIONS (default 32), ROWS (items table size, default 10000),
// POOL (server pool size, default CONNECTIONS), ROUNDS (back-to-back pgbench/REST rounds, default 3),
// SERVER (`compiled`, default: what `npm start` runs, hub/dist in its own process, built first when
// stale; `tsx`: the hub from source inside this process, as `npm run dev` and the tests run it).
// CLIENT (`wrk`, `node` or `both`, default both): the HTTP load generator. wrk is a C client as
// pgbench is one (installed with apt-get when missing, as root); load.mjs is our own, in Node,
// which spends ~5 µs more CPU per request than wrk on this machine's shared two cores.
// FLOOR (default 1; 0 skips it): also load floor-server.ts, the least a server on uWS and
// node-postgres does for the same request (see there), so the REST layer's own cost shows;
// FLOOR=raw loads floor-raw.ts instead (the same with the wire protocol written by hand).
// Each round runs pgbench (simple protocol), the REST load (each client in turn), the floor and pgbench
// (prepared, what an application's driver does) back to back; each ratio is the median over the rounds, because this
// VM's speed drifts by ±20% within minutes, so a baseline measured once and a REST run measured
// later can disagree by more than the target. Beside throughput, every run reports the CPU time
// each process spent per request — the client (pgbench or the load generator), the hub and
// PostgreSQL — read from /proc: the machine has 2 cores shared by all of them (and by whatever
// else runs), so the ratio of throughputs says as much about the clients as about the servers.
import { execFileSync, spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { loadavg, setPriority } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { aptInstall, findPgBinaries, freePort } from '@pgstack/infra'
import { startBenchCluster } from '../lib/bench-cluster.ts'
import { startBenchHub, spawnBenchHub } from '../lib/bench-hub.ts'
import { childCount, clusterCpu, processCpu, reapedChildrenCpu, settleCluster } from '../lib/cpu.ts'

const SECONDS = Number(process.env.SECONDS ?? 10)
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 32)
const ROWS = Number(process.env.ROWS ?? 10000)
const POOL = Number(process.env.POOL ?? CONNECTIONS)
const ROUNDS = Math.max(1, Number(process.env.ROUNDS ?? 3))
const LOAD = join(import.meta.dirname, 'load.mjs')
const FLOOR = join(import.meta.dirname, process.env.FLOOR === 'raw' ? 'floor-raw.ts' : 'floor-server.ts')
// The two statements the hub sends for `GET /rest/v1/items?id=eq.N` as the anon key (mirrors
// rest/src/execute.ts and sql/build-statement.ts; update both when those change): pgbench runs
// them, and so does the floor server (floor-server.ts).
const SETTINGS_SQL = `SELECT num_nulls(set_config('role', $1, true), set_config('request.jwt.claims', $2, true), set_config('request.method', $3, true), set_config('request.path', $4, true), set_config('request.headers', $5, true), set_config('request.cookies', $6, true), set_config('transaction_read_only', 'on', true))`
const ITEM_SQL = `WITH pgrst_source AS (SELECT "public"."items"."id" AS "id", "public"."items"."name" AS "name", "public"."items"."qty" AS "qty" FROM "public"."items" WHERE "public"."items"."id" = $1) SELECT NULL::bigint AS pgrst_total, NULL::bigint AS pgrst_page, row_to_json(pgrst_s)::text AS pgrst_body FROM pgrst_source AS pgrst_s`
const SERVER = process.env.SERVER === 'tsx' ? 'tsx' : 'compiled'
const CLIENT = process.env.CLIENT ?? 'both'
const WITH_FLOOR = process.env.FLOOR !== '0'
if (!['wrk', 'node', 'both'].includes(CLIENT)) throw new Error(`CLIENT must be wrk, node or both, not ${CLIENT}`)

/** One run: throughput and the CPU µs each side spent per request (client, hub, PostgreSQL). */
interface Run {
  tps: number
  client: number
  hub: number
  pg: number
}
const perRequest = (seconds: number, count: number) => (count > 0 ? (seconds * 1e6) / count : 0)
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!

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

/** wrk's path, installed when missing (apt-get, as root). */
function findWrk(): string {
  const which = () => {
    try {
      return execFileSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).trim()
    } catch {
      return ''
    }
  }
  if (!which()) aptInstall('wrk', 'The REST bench compares a C HTTP client (wrk) with pgbench', (line) => console.log(line), ' (or run with CLIENT=node)')
  return which()
}

/** A wrk run: its output parsed (requests, non-2xx answers, latency percentiles in ms). */
function runWrk(bin: string, url: string, script: string, seconds: number): Promise<{ ok: number; failed: number; p50: number; p99: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['-t', '2', '-c', String(CONNECTIONS), '-d', `${seconds}s`, '--latency', '-s', script, url], { stdio: ['ignore', 'pipe', 'inherit'] })
    raise(child.pid)
    let out = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString()))
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`wrk exited ${code}: ${out}`))
      const ms = (q: string) => {
        const m = new RegExp(`^\\s*${q}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out)
        return m ? Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1) : 0
      }
      const total = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0)
      const failed = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) + Number(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)?.slice(1).reduce((n, v) => n + Number(v), 0) ?? 0)
      resolve({ ok: total - failed, failed, p50: ms('50'), p99: ms('99') })
    })
  })
}

/** floor-server.ts in its own process on a free port, listening. */
async function startFloor(databaseUrl: string, socketFile: string, anonKey: string): Promise<{ pid: number; port: number; stop: () => Promise<void> }> {
  const port = await freePort()
  const claims = Buffer.from(anonKey.split('.')[1]!, 'base64url').toString()
  const child = spawn(process.execPath, ['--conditions=@pgstack/source', '--import', 'tsx', FLOOR], {
    env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, PORT: String(port), POOL: String(POOL), FLOOR_SETTINGS_SQL: SETTINGS_SQL, FLOOR_ITEM_SQL: ITEM_SQL, FLOOR_CLAIMS: claims, FLOOR_SOCKET: socketFile },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  raise(child.pid)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const killNow = () => {
    if (child.exitCode === null) child.kill('SIGKILL')
  }
  process.once('exit', killNow) // a bench ended from outside takes the floor server with it
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve())
    void exited.then(() => reject(new Error('floor-server.ts exited before listening')))
  })
  return {
    pid: child.pid!,
    port,
    async stop() {
      process.off('exit', killNow)
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
    },
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
  const started = SERVER === 'tsx' ? await startBenchHub(cluster, { PGSTACK_DB_POOL_SIZE: String(POOL) }) : undefined
  const spawned = SERVER === 'tsx' ? undefined : await spawnBenchHub(cluster, { PGSTACK_DB_POOL_SIZE: String(POOL) })
  closeHub = () => (started ? started.hub.close() : spawned!.close())
  const hubPid = spawned?.pid ?? process.pid
  raise(hubPid)
  const anonKey = (started ?? spawned)!.anonKey
  const url = started?.hub.url ?? spawned!.url
  const port = started?.hub.port ?? spawned!.port
  const hubCpu = (): number => {
    if (spawned) return processCpu(spawned.pid)
    const used = process.cpuUsage()
    return (used.user + used.system) / 1e6
  }
  const db = new pg.Client({ connectionString: cluster.adminUrl('bench') })
  await db.connect()
  await db.query(`CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, qty int NOT NULL)`)
  await db.query(`INSERT INTO items SELECT g, 'item ' || g, g % 100 FROM generate_series(1, $1) g`, [ROWS])
  await db.query(`CREATE TABLE wide AS SELECT g AS id, md5(g::text) AS a, md5((g * 7)::text) AS b, g * 1.5 AS c, now() AS d FROM generate_series(1, 100000) g`)
  await db.query('GRANT SELECT ON items, wide TO anon')
  await db.query('VACUUM ANALYZE')
  await db.end()
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${url}/rest/v1/wide?limit=1`, { headers: { apikey: anonKey } })
    await res.arrayBuffer()
    if (res.ok) break
    await new Promise((r) => setTimeout(r, 50))
  }

  // pgbench baseline: the same SELECT, same number of connections.
  const script = join(root, 'select.sql')
  writeFileSync(script, `\\set id random(1, ${ROWS})\nSELECT id, name, qty FROM items WHERE id = :id;\n`)
  const bins = findPgBinaries()
  const pgbenchBin = join(bins.bindir, 'pgbench')
  const pgbench = (mode: string): Run => {
    const client = reapedChildrenCpu()
    const server = clusterCpu(cluster.pid)
    const before = childCount(cluster.pid)
    const out = execFileSync('nice', ['-n', String(NICE), pgbenchBin, '-n', '-M', mode, '-c', String(CONNECTIONS), '-j', '2', '-T', String(SECONDS), '-f', script, cluster.adminUrl('bench')], { encoding: 'utf8' })
    const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? 0)
    const count = Number(/number of transactions actually processed: (\d+)/.exec(out)?.[1] ?? tps * SECONDS)
    settleCluster(cluster.pid, before)
    return { tps, client: perRequest(reapedChildrenCpu() - client, count), hub: 0, pg: perRequest(clusterCpu(cluster.pid) - server, count) }
  }
  const select = readFileSync(script, 'utf8')
  // The server's own two statements for that request, pipelined with one Sync as the server sends
  // them: what PostgreSQL alone can do of this work (where time goes).
  const literal = (v: string) => `'${v.replace(/'/g, "''")}'`
  const settingsValues = ['anon', '{"role":"anon"}', 'GET', '/rest/v1/items', '{"host":"127.0.0.1","apikey":"x"}', '{}']
  const pgbenchSettings = settingsValues.reduce((sql, v, i) => sql.replace(`$${i + 1}`, literal(v)), SETTINGS_SQL)
  writeFileSync(script, `\\set id random(1, ${ROWS})\n\\startpipeline\n${pgbenchSettings};\n${ITEM_SQL.replace('$1', ':id')};\n\\endpipeline\n`)
  const pgbenchRestSql = pgbench('prepared')
  writeFileSync(script, select)

  const wrkBin = CLIENT === 'node' ? '' : findWrk()
  const wrkScript = join(root, 'items.lua')
  writeFileSync(
    wrkScript,
    `wrk.headers["apikey"] = ${JSON.stringify(anonKey)}\nmath.randomseed(os.time())\nrequest = function()\n  return wrk.format("GET", "/rest/v1/items?id=eq." .. math.random(1, ${ROWS}))\nend\n`,
  )
  type RestRun = Run & { p50: number; p99: number; failed: number }
  interface Target {
    port: number
    cpu: () => number
  }
  const hubTarget: Target = { port, cpu: hubCpu }
  const floor = WITH_FLOOR ? await startFloor(cluster.socketUrl('authenticator', 'bench'), join(cluster.socketDir, `.s.PGSQL.${cluster.port}`), anonKey) : undefined
  const stopFloor = () => floor?.stop()
  const rest = async (client: 'wrk' | 'node', target: Target = hubTarget): Promise<RestRun> => {
    const clientCpu = reapedChildrenCpu()
    const server = clusterCpu(cluster.pid)
    const hub = target.cpu()
    const out =
      client === 'wrk'
        ? await runWrk(wrkBin, `http://127.0.0.1:${target.port}`, wrkScript, SECONDS)
        : await runNode(['127.0.0.1', String(target.port), String(CONNECTIONS), String(SECONDS), anonKey, String(ROWS)])
    const count = out.ok!
    return {
      tps: count / SECONDS,
      p50: out.p50!,
      p99: out.p99!,
      failed: out.failed!,
      client: perRequest(reapedChildrenCpu() - clientCpu, count),
      hub: perRequest(target.cpu() - hub, count),
      pg: perRequest(clusterCpu(cluster.pid) - server, count),
    }
  }
  await runNode(['127.0.0.1', String(port), String(CONNECTIONS), '2', anonKey, String(ROWS)]) // warm-up
  const clients = CLIENT === 'both' ? (['wrk', 'node'] as const) : ([CLIENT] as ('wrk' | 'node')[])
  const rounds: { simple: Run; rest: Partial<Record<'wrk' | 'node', RestRun>>; floor?: RestRun; prepared: Run; load: number }[] = []
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const simple = pgbench('simple')
      const r: Partial<Record<'wrk' | 'node', RestRun>> = {}
      for (const client of clients) r[client] = await rest(client)
      const floorRun = floor ? await rest(clients[0]!, { port: floor.port, cpu: () => processCpu(floor.pid) }) : undefined
      const prepared = pgbench('prepared')
      rounds.push({ simple, rest: r, ...(floorRun ? { floor: floorRun } : {}), prepared, load: loadavg()[0]! })
    }
  } finally {
    await stopFloor()
  }
  const med = (pick: (r: (typeof rounds)[number]) => number) => median(rounds.map(pick))

  // Memory: sample the hub's RSS while another process downloads. "live" = heap + external after a
  // forced GC, sampled while streaming (the in-process hub only, with --expose-gc).
  const memory: { rows: number; bytes: number; ms: number; rssGrowthMb: number; liveGrowthMb: number | undefined }[] = []
  const gc = spawned ? undefined : (globalThis as { gc?: () => void }).gc
  const rss = () => (spawned ? Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${hubPid}/status`, 'utf8'))?.[1]) * 1024 : process.memoryUsage().rss)
  const live = () => {
    gc?.()
    const m = process.memoryUsage()
    return m.heapUsed + m.external
  }
  for (const rows of [1000, 10000, 100000]) {
    await new Promise((r) => setTimeout(r, 200))
    const before = rss()
    const liveBefore = gc ? live() : 0
    let peak = before
    let livePeak = liveBefore
    const timer = setInterval(() => {
      peak = Math.max(peak, rss())
      if (gc) livePeak = Math.max(livePeak, live())
    }, 20)
    const got = await runNode(['get', '127.0.0.1', String(port), `/rest/v1/wide?order=id&limit=${rows}`, anonKey])
    clearInterval(timer)
    const mb = (n: number) => Math.round((n / 1048576) * 10) / 10
    memory.push({ rows, bytes: got.bytes!, ms: Math.round(got.ms!), rssGrowthMb: mb(peak - before), liveGrowthMb: gc ? mb(livePeak - liveBefore) : undefined })
  }

  const us = (n: number) => n.toFixed(1).padStart(6)
  const line = (name: string, pick: (r: (typeof rounds)[number]) => Run) => {
    const client = med((r) => pick(r).client)
    const hub = med((r) => pick(r).hub)
    const pgCpu = med((r) => pick(r).pg)
    return `    ${name.padEnd(34)} ${us(client)} ${hub ? us(hub) : '     -'} ${us(pgCpu)}   ${us(hub + pgCpu)}   ${us(client + hub + pgCpu)}`
  }
  const range = (values: number[]) => `${median(values).toFixed(2)}×  (median of ${ROUNDS} rounds, range ${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}; target ≥ 0.5×)`
  console.log(`\nREST bench (${SERVER === 'tsx' ? 'hub from source through tsx, in the bench process' : 'compiled hub (npm start), own process'}, ${CONNECTIONS} connections, server pool ${POOL}, ${SECONDS}s per run, items of ${ROWS} rows, PostgreSQL ${bins.major}, ${process.version}):`)
  console.log(`  rounds (pgbench simple → REST ${clients.map((c) => (c === 'wrk' ? 'wrk' : 'load.mjs')).join(' / ')} → pgbench prepared, TPS; load average):`)
  for (const r of rounds) {
    const rest = clients.map((c) => r.rest[c]!.tps.toFixed(0)).join(' / ')
    const ratios = clients.map((c) => `${(r.rest[c]!.tps / r.simple.tps).toFixed(2)}× / ${(r.rest[c]!.tps / r.prepared.tps).toFixed(2)}×`).join('; ')
    const floorTps = r.floor ? ` (floor ${r.floor.tps.toFixed(0)})` : ''
    console.log(`    ${r.simple.tps.toFixed(0)} → ${rest}${floorTps} → ${r.prepared.tps.toFixed(0)}  (${ratios}; load ${r.load.toFixed(1)})`)
  }
  console.log(`  medians over the rounds:`)
  console.log(`  pgbench SELECT by id (simple protocol):   ${med((r) => r.simple.tps).toFixed(0)} TPS`)
  console.log(`  pgbench SELECT by id (prepared):          ${med((r) => r.prepared.tps).toFixed(0)} TPS`)
  console.log(`  pgbench running the server's own statements: ${pgbenchRestSql.tps.toFixed(0)} TPS (settings + JSON statement, pipelined, one Sync; PostgreSQL ${pgbenchRestSql.pg.toFixed(1)} µs CPU per request)`)
  for (const c of clients) {
    const name = c === 'wrk' ? 'wrk (C, 2 threads)' : 'load.mjs (Node)'
    const pick = (r: (typeof rounds)[number]) => r.rest[c]!
    console.log(`  GET /rest/v1/items?id=eq.N, ${name.padEnd(19)} ${med((r) => pick(r).tps).toFixed(0)} TPS  (p50 ${med((r) => pick(r).p50).toFixed(2)} ms, p99 ${med((r) => pick(r).p99).toFixed(2)} ms, ${rounds.reduce((n, r) => n + pick(r).failed, 0)} failed)`)
    console.log(`    ratio REST / pgbench (simple):          ${range(rounds.map((r) => pick(r).tps / r.simple.tps))}`)
    console.log(`    ratio REST / pgbench (prepared):        ${range(rounds.map((r) => pick(r).tps / r.prepared.tps))}`)
  }
  if (rounds[0]!.floor) {
    const pick = (r: (typeof rounds)[number]) => r.floor!
    console.log(`  floor (${process.env.FLOOR === 'raw' ? 'floor-raw.ts: uWS + a hand-written wire client' : 'floor-server.ts: uWS + node-postgres'}, no REST layer), ${clients[0] === 'wrk' ? 'wrk' : 'load.mjs'}: ${med((r) => pick(r).tps).toFixed(0)} TPS  (p50 ${med((r) => pick(r).p50).toFixed(2)} ms, ${rounds.reduce((n, r) => n + pick(r).failed, 0)} failed)`)
    console.log(`    ratio floor / pgbench (prepared):       ${range(rounds.map((r) => pick(r).tps / r.prepared.tps))}`)
    console.log(`    ratio REST / floor:                     ${median(rounds.map((r) => r.rest[clients[0]!]!.tps / pick(r).tps)).toFixed(2)}×`)
  }
  console.log(`  CPU per request, µs (medians):              client    hub   PostgreSQL  servers  all`)
  console.log(line('pgbench simple', (r) => r.simple))
  console.log(line('pgbench prepared', (r) => r.prepared))
  for (const c of clients) console.log(line(`REST (${c === 'wrk' ? 'wrk' : 'load.mjs'} → hub → PostgreSQL)`, (r) => r.rest[c]!))
  if (rounds[0]!.floor) console.log(line(`floor (${clients[0] === 'wrk' ? 'wrk' : 'load.mjs'} → floor → PostgreSQL)`, (r) => r.floor!))
  const first = clients[0]!
  const serverSide = rounds.map((r) => r.prepared.pg / (r.rest[first]!.hub + r.rest[first]!.pg))
  const serverSideSimple = rounds.map((r) => r.simple.pg / (r.rest[first]!.hub + r.rest[first]!.pg))
  console.log(`  servers' CPU per request, pgbench's PostgreSQL / (hub + PostgreSQL): simple ${median(serverSideSimple).toFixed(2)}×, prepared ${median(serverSide).toFixed(2)}×`)
  console.log(`    (the ratio the servers would reach with free clients and cores to spare: load-independent)`)
  console.log(`  machine load average (1 min) at the end:  ${loadavg()[0]!.toFixed(2)}`)
  console.log('  large JSON responses (server RSS growth while streaming):')
  for (const m of memory) {
    console.log(`    ${String(m.rows).padStart(6)} rows  ${(m.bytes / 1048576).toFixed(1).padStart(5)} MB in ${m.ms} ms   RSS +${m.rssGrowthMb} MB${m.liveGrowthMb === undefined ? '' : `, live heap +${m.liveGrowthMb} MB`}`)
  }
} finally {
  await closeHub?.()
  await bench.dispose()
}
