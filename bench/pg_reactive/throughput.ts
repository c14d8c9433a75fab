// pg_reactive against pgbench baselines from the same run (wall-clock figures: take them on a
// quiet machine, the load average is printed beside them):
//   writer    pgbench UPDATE TPS, 8 clients, alternating 0 and 100 live queries on the table
//   latency   commit → NOTIFY of a single-table live query at 500 commits/s
//   contexts  re-evaluations with diff across 1,000 RLS security contexts, full and incremental
//   big       one changed row in a 1,000,000-row table, indexed and unindexed filter
import pg from 'pg'
import type { Figure } from './floor.ts'

export interface PgbenchResult {
  tps: number
  lat: number
}

export interface ThroughputContext {
  db: pg.Client
  url: string
  seconds: number
  rounds: number
  pgbench(script: string, options?: { clients?: number; seconds?: number; rate?: number }): Promise<PgbenchResult>
  report(f: Figure): void
}

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a')
const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length

// The worker counts quiet evaluations in memory and writes them out in its housekeeping round
// (at least every 2 s): counters read right after wait_idle() would miss the last ones.
const countersFlushed = () => new Promise((resolve) => setTimeout(resolve, 2500))

// The table every figure writes to: rows of (id, owner, val), owners spread round-robin.
export async function ownerTable(db: pg.Client, name: string, rows: number, owners: number): Promise<void> {
  await db.query(`CREATE TABLE ${name} (id int PRIMARY KEY, owner int NOT NULL, val int NOT NULL)`)
  await db.query(`INSERT INTO ${name} SELECT g, g % ${owners}, 0 FROM generate_series(1, ${rows}) g`)
  await db.query(`CREATE INDEX ON ${name} (owner)`)
  await db.query(`VACUUM ANALYZE ${name}`)
}

export async function writerOverhead(ctx: ThroughputContext): Promise<void> {
  const { db, pgbench } = ctx
  console.log('\n# writer overhead: pgbench UPDATE, 8 clients, 0 vs 100 live queries on the table')
  await ownerTable(db, 'w', 100_000, 1_000)
  const script = `\\set id random(1, 100000)\nUPDATE w SET val = val + 1 WHERE id = :id;\n`
  await db.query(`SELECT pgr.define('w_owner', 'SELECT id, val FROM w WHERE owner = $1', '{int}')`)
  // alternate 0 and 100 live queries: on a shared machine one pair is mostly noise
  const base: number[] = []
  const live: number[] = []
  let evals = 0
  let deltas = 0
  let cpu = 0
  const q = `SELECT l.evaluations, l.deltas, s.cpu_ms FROM pgr.live_queries l, pgr.worker_stats() s WHERE l.name = 'w_owner'`
  for (let round = 0; round < ctx.rounds; round++) {
    base.push((await pgbench(script, { seconds: Math.ceil(ctx.seconds / 2) })).tps)
    const subs: string[] = []
    for (let i = 0; i < 100; i++) {
      const r = await db.query(`SELECT subscription_id FROM pgr.subscribe('w_owner', $1)`, [JSON.stringify([i])])
      subs.push(r.rows[0].subscription_id)
    }
    await db.query(`SELECT pgr.wait_idle(60000)`)
    await countersFlushed()
    const before = (await db.query(q)).rows[0]
    live.push((await pgbench(script, { seconds: Math.ceil(ctx.seconds / 2) })).tps)
    await db.query(`SELECT pgr.wait_idle(60000)`)
    const cpuAfter = (await db.query(q)).rows[0].cpu_ms
    await countersFlushed()
    const after = { ...(await db.query(q)).rows[0], cpu_ms: cpuAfter }
    evals += after.evaluations - before.evaluations
    deltas += after.deltas - before.deltas
    cpu += after.cpu_ms - before.cpu_ms
    for (const s of subs) await db.query(`SELECT pgr.unsubscribe($1)`, [s])
    await db.query(`SELECT pgr.wait_idle(60000)`)
  }
  // each round's pair ran back to back: the median of the pair ratios is the least noisy figure
  const ratios = live.map((t, i) => t / base[i]!).sort((a, b) => a - b)
  const median = ratios[Math.floor(ratios.length / 2)]!
  ctx.report({
    figure: 'writer TPS with 100 live queries',
    value: `${f1(mean(live))} tps (median pair ${median.toFixed(2)}x, pairs ${ratios.map((r) => r.toFixed(2)).join(' ')}; runs ${live.map(f1).join(', ')})`,
    baseline: `${f1(mean(base))} tps with 0 live queries (runs ${base.map(f1).join(', ')})`,
    target: '>= 0.9x',
  })
  console.log(`    (worker meanwhile: ${evals} re-evaluations, ${deltas} deltas, ${f1(cpu)} ms CPU)`)
  await db.query(`SELECT pgr.undefine('w_owner')`)
}

export async function notifyLatency(ctx: ThroughputContext): Promise<void> {
  const { db, pgbench } = ctx
  console.log('\n# commit -> NOTIFY latency, single-table live query, 500 commits/s')
  await db.query(`CREATE TABLE lat (id int PRIMARY KEY, grp int NOT NULL, ts float8 NOT NULL DEFAULT 0)`)
  await db.query(`INSERT INTO lat SELECT g, g % 100, 0 FROM generate_series(1, 10000) g`)
  await db.query(`CREATE INDEX ON lat (grp)`)
  await db.query(`SELECT pgr.define('lat_grp', 'SELECT id, ts FROM lat WHERE grp = $1', '{int}')`)
  const sub = (await db.query(`SELECT subscription_id, feed_id FROM pgr.subscribe('lat_grp', '[7]')`)).rows[0]
  await db.query(`SELECT pgr.wait_idle(10000)`)
  const listener = new pg.Client({ connectionString: ctx.url })
  await listener.connect()
  const samples: number[] = []
  let refs = 0
  listener.on('notification', (n) => {
    const now = Date.now()
    const msg = JSON.parse(n.payload ?? '{}')
    if (msg.kind === 'ref') {
      refs++
      return
    }
    if (msg.kind !== 'delta' || String(msg.feed) !== String(sub.feed_id)) return
    for (const op of msg.ops) if (op.row.ts > 0) samples.push(now - op.row.ts)
  })
  await listener.query('LISTEN pgr')
  // every commit stamps one row of the watched group with its wall-clock time just before commit
  const script = `\\set k random(0, 99)\nUPDATE lat SET ts = extract(epoch FROM clock_timestamp()) * 1000 WHERE id = 7 + 100 * :k;\n`
  const base = await pgbench(script, { clients: 4, rate: 500 })
  await db.query(`SELECT pgr.wait_idle(10000)`)
  await new Promise((r) => setTimeout(r, 200))
  await listener.end()
  ctx.report({
    figure: 'commit->NOTIFY p50 / p99',
    value: `${f1(pct(samples, 50))} / ${f1(pct(samples, 99))} ms over ${samples.length} commits (${refs} refs)`,
    baseline: `pgbench ${f1(base.tps)} tps at -R 500, commit latency avg ${base.lat} ms`,
    target: 'p99 <= 10 ms',
  })
  await db.query(`SELECT pgr.unsubscribe($1)`, [sub.subscription_id])
  await db.query(`SELECT pgr.undefine('lat_grp')`)
}

export async function contexts(ctx: ThroughputContext): Promise<void> {
  const { db, pgbench } = ctx
  console.log('\n# re-evaluations with diff across 1,000 security contexts (RLS by JWT claims)')
  await db.query(`CREATE ROLE bench_user NOLOGIN`)
  await ownerTable(db, 'ctx', 100_000, 4000)
  await db.query(`ALTER TABLE ctx ENABLE ROW LEVEL SECURITY`)
  await db.query(`CREATE POLICY own ON ctx FOR SELECT TO bench_user
                    USING (owner = (current_setting('request.jwt.claims', true)::jsonb ->> 'sub')::int)`)
  await db.query(`GRANT SELECT ON ctx TO bench_user`)
  const base = await pgbench(`\\set u random(0, 999)\nSELECT coalesce(jsonb_agg(t), '[]') FROM (SELECT id, val FROM ctx WHERE owner = :u) t;\n`,
    { clients: 1, seconds: Math.min(ctx.seconds, 5) })
  // the same query on both paths: OFFSET 0 keeps it off the incremental path
  for (const [name, sql, label] of [
    ['ctx_full', 'SELECT id, val FROM ctx OFFSET 0', 'full path'],
    ['ctx_inc', 'SELECT id, val FROM ctx', 'incremental path'],
  ] as const) {
    await db.query(`SELECT pgr.define($1, $2)`, [name, sql])
    const subs: string[] = []
    for (let i = 0; i < 1000; i++) {
      const r = await db.query(`SELECT subscription_id FROM pgr.subscribe($1, '[]', 'bench_user', $2)`,
        [name, JSON.stringify({ sub: String(i), role: 'authenticated' })])
      subs.push(r.rows[0].subscription_id)
    }
    await db.query(`SELECT pgr.wait_idle(120000)`)
    const rounds = 5
    let total = 0
    const evaluations = async () => Number((await db.query(`SELECT evaluations FROM pgr.live_queries WHERE name = $1`, [name])).rows[0].evaluations)
    await countersFlushed()
    const before = await evaluations()
    const c0 = (await db.query(`SELECT cpu_ms FROM pgr.worker_stats()`)).rows[0].cpu_ms
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now()
      // one write touching 10 of the 1,000 contexts; every context is re-evaluated and diffed
      await db.query(`UPDATE ctx SET val = val + 1 WHERE id IN (SELECT g * 97 + ${r} FROM generate_series(1, 10) g)`)
      await db.query(`SELECT pgr.wait_idle(120000)`)
      total += performance.now() - t0
    }
    const cpu = (await db.query(`SELECT cpu_ms FROM pgr.worker_stats()`)).rows[0].cpu_ms - c0
    await countersFlushed()
    const evals = (await evaluations()) - before
    ctx.report({
      figure: `re-evaluations with diff per second, ${label}`,
      value: `${f1(evals / (total / 1000))}/s wall, ${f1(evals / (cpu / 1000))}/s per worker CPU-second (${evals} in ${f1(total)} ms)`,
      baseline: `pgbench 1 client, the same 25-row SELECT to jsonb, no RLS, no diff: ${f1(base.tps)}/s`,
      target: '>= 5,000/s',
    })
    for (const s of subs) await db.query(`SELECT pgr.unsubscribe($1)`, [s])
    await db.query(`SELECT pgr.undefine($1)`, [name])
  }
}

export async function bigTable(ctx: ThroughputContext): Promise<void> {
  const { db, pgbench } = ctx
  console.log('\n# one changed row in a 1,000,000-row table')
  await ownerTable(db, 'big', 1_000_000, 100_000)
  await db.query(`SELECT pgr.define('big_owner', 'SELECT id, val FROM big WHERE owner = $1', '{int}')`)
  const s1 = (await db.query(`SELECT subscription_id FROM pgr.subscribe('big_owner', '[42]')`)).rows[0]
  await db.query(`SELECT pgr.wait_idle(60000)`)
  const stats = async () => (await db.query(`SELECT cycles, busy_ms, cpu_ms FROM pgr.worker_stats()`)).rows[0]
  // one commit at a time: each is one worker cycle; busy_ms/cycles is its database time
  const measure = async (sql: (i: number) => string, n: number) => {
    const times: number[] = []
    const a = await stats()
    for (let i = 0; i < n; i++) {
      const t0 = performance.now()
      await db.query(sql(i))
      await db.query(`SELECT pgr.wait_idle(60000)`)
      times.push(performance.now() - t0)
    }
    const b = await stats()
    const cycles = Math.max(1, Number(b.cycles) - Number(a.cycles))
    return { times, dbMs: (b.busy_ms - a.busy_ms) / cycles, cpuMs: (b.cpu_ms - a.cpu_ms) / cycles }
  }
  const a = await measure(() => `UPDATE big SET val = val + 1 WHERE id = 100042`, 50)
  const base = await pgbench(`UPDATE big SET val = val + 1 WHERE id = 100042;\n`, { clients: 1, seconds: 3 })
  ctx.report({
    figure: 'indexed filter (owner = $1): DB time per delta (worker cycle)',
    value: `${a.dbMs.toFixed(2)} ms wall, ${a.cpuMs.toFixed(2)} ms CPU; commit->delta logged p50/p99 ${f1(pct(a.times, 50))}/${f1(pct(a.times, 99))} ms`,
    baseline: `pgbench single-row UPDATE latency ${base.lat} ms`,
    target: 'delta <= 5 ms DB time',
  })
  await db.query(`SELECT pgr.unsubscribe($1)`, [s1.subscription_id])
  await db.query(`SELECT pgr.define('big_hot', 'SELECT id, val FROM big WHERE val > 1000')`)
  const s2 = (await db.query(`SELECT subscription_id FROM pgr.subscribe('big_hot')`)).rows[0]
  await db.query(`SELECT pgr.wait_idle(60000)`)
  const b = await measure((i) => `UPDATE big SET val = val + 2000 WHERE id = ${500000 + i}`, 20)
  const tq = performance.now()
  await db.query(`SELECT coalesce(jsonb_agg(t), '[]') FROM (SELECT id, val FROM big WHERE val > 1000) t`)
  const seq = performance.now() - tq
  ctx.report({
    figure: 'unindexed filter (val > 1000), incremental: DB time per delta',
    value: `${b.dbMs.toFixed(2)} ms wall, ${b.cpuMs.toFixed(2)} ms CPU; commit->delta logged p50 ${f1(pct(b.times, 50))} ms`,
    baseline: `one full evaluation (seq scan of 1,000,000 rows): ${f1(seq)} ms`,
    target: 'delta <= 5 ms DB time',
  })
  await db.query(`SELECT pgr.unsubscribe($1)`, [s2.subscription_id])
}
