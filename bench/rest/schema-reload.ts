// Schema cache bench: a schema of TABLES tables (a foreign key each, a view every tenth, a
// computed field every tenth), then (1) a full load, what every DDL statement used to cost, (2)
// single DDL statements — new table, new column, new unique index, new foreign key — timed from
// COMMIT to the change answering through /rest/v1, with the incremental load's own time, and (3)
// requests served all along (concurrency 8, in-process handler) while a burst of DDL runs: their
// latency against a quiet baseline, and the event loop's longest stall.
// Run: node --import tsx bench/rest/schema-reload.ts   Env: TABLES (default 2000), DDL (default 20)
import { monitorEventLoopDelay } from 'node:perf_hooks'
import pg from 'pg'
import { TokenVerifier } from '@pgstack/common'
import { createRest, type Rest } from '@pgstack/rest'
import { startBenchCluster } from '../lib/bench-cluster.ts'
import { startBenchHub } from '../lib/bench-hub.ts'

const TABLES = Number(process.env.TABLES ?? 2000)
const DDL = Number(process.env.DDL ?? 20)

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!
const ms = (n: number) => `${n.toFixed(1)} ms`

const bench = await startBenchCluster('schema')
let rest: Rest | undefined
let pool: pg.Pool | undefined
let listener: pg.Client | undefined
try {
  // The hub migrates the database (roles, the DDL trigger); the bench then drives its own REST
  // instance so that it can time loads and call the handler in-process.
  const { hub, secret } = await startBenchHub(bench.cluster)
  await hub.close()
  const admin = new pg.Client({ connectionString: bench.cluster.adminUrl('bench') })
  await admin.connect()
  const started = performance.now()
  for (let from = 0; from < TABLES; from += 200) {
    const to = Math.min(TABLES, from + 200)
    await admin.query(`DO $$ BEGIN FOR i IN ${from}..${to - 1} LOOP
      EXECUTE format('CREATE TABLE public.t_%s (id int PRIMARY KEY, parent_id int %s, a text, b int, c timestamptz, d jsonb, e numeric(12,2), f boolean)',
        i, CASE WHEN i > 0 THEN format('REFERENCES public.t_%s(id)', i - 1) ELSE '' END);
      IF i % 10 = 0 THEN
        EXECUTE format('CREATE VIEW public.v_%s AS SELECT id, parent_id, a FROM public.t_%s', i, i);
        EXECUTE format('CREATE FUNCTION public.label_%s(public.t_%s) RETURNS text LANGUAGE sql STABLE AS ''SELECT $1.a''', i, i);
      END IF;
    END LOOP; END $$`)
  }
  await admin.query("INSERT INTO public.t_5 VALUES (1, NULL, 'five', 5)")
  console.log(`created ${TABLES} tables, ${Math.ceil(TABLES / 10)} views and ${Math.ceil(TABLES / 10)} computed fields in ${((performance.now() - started) / 1000).toFixed(1)} s`)

  pool = new pg.Pool({ connectionString: bench.cluster.socketUrl('authenticator', 'bench'), max: 10 })
  pool.on('error', () => {}) // an idle client ended by the cluster's shutdown
  const r = createRest({ pool, schemas: ['public'], verifier: new TokenVerifier({ secret }) })
  rest = r
  const noticed: number[] = []
  listener = new pg.Client({ connectionString: bench.cluster.adminUrl('bench') })
  await listener.connect()
  listener.on('notification', (n) => {
    noticed.push(performance.now())
    void r.schemaChanged(n.payload ?? '')
  })
  await listener.query('LISTEN pgrst')

  const get = async (path: string, query = '') => {
    const res = await r.handler({ method: 'GET', routePath: path, query, headers: {}, body: Buffer.alloc(0) })
    if (res.body && typeof res.body !== 'string' && !(res.body instanceof Uint8Array)) for await (const _ of res.body) void _
    return res.status
  }
  await r.reloadSchema()

  // (1) full loads
  const full: number[] = []
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now()
    await r.reloadSchema()
    full.push(performance.now() - t0)
  }

  // (2) single DDL statements: COMMIT → visible through the handler
  const until = async (check: () => Promise<boolean>) => {
    for (;;) {
      if (await check()) return
      await new Promise((res) => setImmediate(res))
    }
  }
  const visible: number[] = []
  const loads: number[] = []
  for (let k = 0; k < DDL; k++) {
    const kind = k % 4
    const sql = [
      `CREATE TABLE public.new_${k} (id int PRIMARY KEY, t_id int)`,
      `ALTER TABLE public.t_${k} ADD COLUMN extra_${k} int`,
      `CREATE UNIQUE INDEX ON public.t_${k} (b)`,
      `ALTER TABLE public.new_${k - 3} ADD FOREIGN KEY (t_id) REFERENCES public.t_${k}(id)`,
    ][kind]!
    const check = [
      () => get(`/new_${k}`, 'limit=0').then((s) => s === 200),
      () => get(`/t_${k}`, `select=extra_${k}&limit=0`).then((s) => s === 200),
      () => Promise.resolve(r.schemaStats().partialLoads > before),
      () => get(`/new_${k - 3}`, `select=id,t_${k}(id)&limit=0`).then((s) => s === 200),
    ][kind]!
    const before = r.schemaStats().partialLoads
    await admin.query(sql)
    const t0 = performance.now()
    await until(check)
    visible.push(performance.now() - t0)
    await until(() => Promise.resolve(r.schemaStats().partialLoads > before))
    loads.push(r.schemaStats().lastLoadMs)
  }

  // (3) requests in flight while DDL runs, against a quiet baseline
  const serve = async (seconds: number, during?: () => Promise<void>) => {
    const latencies: number[] = []
    let stop = false
    const worker = async () => {
      while (!stop) {
        const t0 = performance.now()
        const status = await get('/t_5', 'id=eq.1&select=id,a')
        if (status !== 200) throw new Error(`GET /t_5 answered ${status}`)
        latencies.push(performance.now() - t0)
      }
    }
    const delay = monitorEventLoopDelay({ resolution: 1 })
    delay.enable()
    const workers = Array.from({ length: 8 }, worker)
    const t0 = performance.now()
    if (during) await during()
    const left = seconds * 1000 - (performance.now() - t0)
    if (left > 0) await new Promise((res) => setTimeout(res, left))
    stop = true
    await Promise.all(workers)
    delay.disable()
    return { n: latencies.length, p50: pct(latencies, 0.5), p99: pct(latencies, 0.99), max: Math.max(...latencies), stall: delay.max / 1e6 }
  }
  const quiet = await serve(3)
  const partialBefore = r.schemaStats().partialLoads
  const storm = await serve(3, async () => {
    for (let k = 0; k < DDL; k++) await admin.query(`ALTER TABLE public.t_${100 + k} ADD COLUMN storm int`)
    await until(() => Promise.resolve(r.schemaStats().partialLoads > partialBefore))
  })
  const fullStorm = await serve(3, async () => {
    for (let k = 0; k < 3; k++) await r.reloadSchema()
  })
  await admin.end()

  const stats = r.schemaStats()
  console.log(`\nSchema cache, ${TABLES} tables (+ ${Math.ceil(TABLES / 10)} views, ${Math.ceil(TABLES / 10)} computed fields):`)
  console.log(`  full load (every DDL statement reloaded this before): median ${ms(median(full))}, range ${ms(Math.min(...full))}–${ms(Math.max(...full))}`)
  console.log(`  DDL → visible through /rest/v1 (incremental): median ${ms(median(visible))}, p95 ${ms(pct(visible, 0.95))}, max ${ms(Math.max(...visible))} over ${visible.length} statements`)
  console.log(`  incremental load itself: median ${ms(median(loads))}, max ${ms(Math.max(...loads))}`)
  console.log(`  requests (8 in flight, GET by key, in-process):`)
  console.log(`    quiet:                      ${quiet.n} requests, p50 ${ms(quiet.p50)}, p99 ${ms(quiet.p99)}, max ${ms(quiet.max)}, event loop stall max ${ms(quiet.stall)}`)
  console.log(`    during ${DDL} ALTER TABLEs:   ${storm.n} requests, p50 ${ms(storm.p50)}, p99 ${ms(storm.p99)}, max ${ms(storm.max)}, event loop stall max ${ms(storm.stall)}`)
  console.log(`    during 3 full reloads:      ${fullStorm.n} requests, p50 ${ms(fullStorm.p50)}, p99 ${ms(fullStorm.p99)}, max ${ms(fullStorm.max)}, event loop stall max ${ms(fullStorm.stall)}`)
  console.log(`  loads: ${stats.fullLoads} full, ${stats.partialLoads} incremental; ${noticed.length} notifications`)
  console.log('  baseline: PostgREST#3327/#4360 report minutes of reload on large schemas, requests blocked meanwhile')
} finally {
  await listener?.end().catch(() => {})
  await rest?.close()
  await pool?.end()
  await bench.dispose()
}
