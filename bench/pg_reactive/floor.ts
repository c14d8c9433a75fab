// What one write costs pg_reactive, measured so that a busy machine cannot blur it:
//   floor    the worker's cycle for one write that reaches one feed of a routed live query (the
//            live bench's user and room workloads, bench/live/routing.ts): CPU time per cycle from
//            the worker's own getrusage (pgr.worker_stats), and with --callgrind instructions per
//            cycle (median and mean). One write at a time, each waited for: every cycle is one write.
//   capture  a writer's single-row UPDATE with no live query on its table, with 100 feeds of an
//            unroutable query (capture of changed keys) and with 100 feeds routed by the updated
//            table's owner column (capture hashes it in the old and new row): the writer backend's
//            CPU per statement (/proc/<pid>/schedstat, its own time on a CPU), with --callgrind its
//            instructions per statement (parse to commit), and the worker's CPU per write beside it.
import { readFileSync } from 'node:fs'
import pg from 'pg'
import { createRoutingTables } from '../live/routing.ts'
import { backendIr, workerCycles } from './callgrind.ts'
import { ownerTable } from './throughput.ts'

export interface Figure {
  figure: string
  value: string
  baseline: string
  target: string
}

interface Context {
  db: pg.Client
  url: string
  /** callgrind dumps directory when the cluster runs under callgrind */
  callgrind?: string
  writes: number
  report(f: Figure): void
}

const FLOOR_CASES = {
  'user-1k': { kind: 'user', query: 'items_top', table: 'items', feeds: 1000 },
  'user-10k': { kind: 'user', query: 'items_10k_top', table: 'items_10k', feeds: 10_000 },
  'room-1000': { kind: 'room', query: 'items_room', table: 'items', feeds: 1000 },
  'room-100': { kind: 'room', query: 'items_room', table: 'items', feeds: 100 },
} as const
export type FloorCase = keyof typeof FLOOR_CASES
/** The same cycles as measured by the live bench when routing landed (bench/live routing, worker getrusage). */
const FLOOR_BASELINE = 'issue 16 as landed (bench/live routing, 2026-12-06, load 4–17): worker 1.63–1.89 ms CPU per write at user-1k, 1.12–1.46 ms in the room scenarios'
export const FLOOR_CASE_NAMES = Object.keys(FLOOR_CASES) as FloorCase[]

const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a')
const kIr = (x: number) => `${Math.round(x / 1000).toLocaleString('en-US')}k`
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)

const workerStats = async (db: pg.Client) =>
  (await db.query<{ cycles: string; cpu_ms: number }>('SELECT cycles, cpu_ms FROM pgr.worker_stats()')).rows[0]!

/** The quiet-pass counters go out at the worker's next idle moment; let that cycle pass first. */
const settle = async (db: pg.Client) => {
  await db.query('SELECT pgr.wait_idle(600000)')
  await new Promise((r) => setTimeout(r, 2500))
  await db.query('SELECT pgr.wait_idle(600000)')
}

async function ensureRoles(db: pg.Client) {
  await db.query(`DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'anon') THEN CREATE ROLE anon NOLOGIN; END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authenticated') THEN CREATE ROLE authenticated NOLOGIN; END IF;
  END $$`)
}

export async function floor(ctx: Context, cases: FloorCase[]): Promise<void> {
  const { db } = ctx
  console.log(`\n# worker cycle for one write that reaches one feed (${ctx.writes} writes per case)`)
  await ensureRoles(db)
  if (!(await db.query(`SELECT FROM pg_class WHERE relname = 'items'`)).rowCount) await createRoutingTables(db)
  for (const name of cases) {
    const c = FLOOR_CASES[name]
    const subscribe = c.kind === 'user'
      ? `SELECT count(*) FROM (SELECT pgr.subscribe($1, '[]', 'authenticated', jsonb_build_object('sub', g::text, 'role', 'authenticated')) FROM generate_series(0, $2 - 1) g) s`
      : `SELECT count(*) FROM (SELECT pgr.subscribe($1, jsonb_build_array(g), 'anon', '{"role": "anon"}') FROM generate_series(0, $2 - 1) g) s`
    await db.query(subscribe, [c.query, c.feeds])
    await settle(db)
    // a random row of a random subscribed owner (room) becomes its newest: a delta for its feed
    const write = async () => {
      const owner = Math.floor(Math.random() * c.feeds)
      await db.query(`UPDATE ${c.table} SET n = n + 1, seq = nextval('${c.table}_seq')
                       WHERE id = (SELECT id FROM ${c.table} WHERE owner = ${owner} ORDER BY random() LIMIT 1)`)
      await db.query('SELECT pgr.wait_idle(600000)')
    }
    const writes = async () => {
      for (let i = 0; i < ctx.writes; i++) await write()
    }
    const s0 = await workerStats(db)
    const ir = ctx.callgrind ? await workerCycles(ctx.callgrind, db, writes) : undefined
    if (!ir) await writes()
    const s1 = await workerStats(db)
    const cycles = Number(s1.cycles) - Number(s0.cycles)
    const cpu = (s1.cpu_ms - s0.cpu_ms) / cycles
    ctx.report({
      figure: `worker cycle, ${name} (${c.feeds.toLocaleString('en-US')} ${c.kind === 'user' ? 'per-user RLS' : 'per-room parameter'} feeds, one write each)`,
      value: `${f2(cpu)} ms CPU per cycle (${cycles} cycles for ${ctx.writes} writes)` +
        (ir ? `; ${kIr(median(ir))} instructions per cycle (median; mean ${kIr(mean(ir))}, ${ir.length} cycles)` : ''),
      baseline: FLOOR_BASELINE,
      target: '≤ 5 ms CPU a write (0.1 core at 20 writes/s, issue 16); as low as it goes',
    })
    await db.query('SELECT count(pgr.unsubscribe(s.id)) FROM pgr.subscription s')
    await settle(db)
  }
}

/** Time a backend has spent on a CPU, in ms (Linux: the first field of /proc/<pid>/schedstat, ns). */
function backendCpuMs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6
}

/** The capture trigger's argument on cw (its routing columns), '' without one, null without triggers. */
async function waitForCapture(db: pg.Client, want: string | null): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const r = await db.query<{ args: string | null }>(
      `SELECT (SELECT encode(t.tgargs, 'escape') FROM pg_trigger t WHERE t.tgrelid = 'cw'::regclass AND t.tgname = 'pgr_capture_upd') AS args,
              EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = 'cw'::regclass AND NOT t.tgisinternal) AS any`)
    const row = r.rows[0] as { args: string | null; any: boolean }
    const now = row.any ? (row.args ?? '').replace(/\\000$/, '') : null
    if (now === want) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`the capture triggers on cw did not become ${JSON.stringify(want)}`)
}

export async function capture(ctx: Context, rounds: number): Promise<void> {
  const { db } = ctx
  const n = ctx.writes * (ctx.callgrind ? 1 : 10)
  console.log(`\n# a writer's single-row UPDATE, ${n} in a row on one connection, ${rounds} rounds: its cost with and without live queries`)
  await ownerTable(db, 'cw', 100_000, 1000)
  await db.query(`SELECT pgr.define('cw_owner', 'SELECT id, val FROM cw WHERE owner = $1', '{int}')`)
  await db.query(`SELECT pgr.define('cw_above', 'SELECT id, val FROM cw WHERE owner >= $1', '{int}')`)
  // the writer's side depends on the table's triggers, not on how many feeds read it
  const variants = [
    { name: 'no live query on the table', query: null, feeds: 0, capture: null },
    { name: 'a feed of an unroutable query (owner >= $1: triggers capture changed keys)', query: 'cw_above', feeds: 1, capture: '' },
    { name: '100 feeds routed by owner = $1 (triggers also hash owner in old and new rows)', query: 'cw_owner', feeds: 100, capture: '2' },
  ]
  const runs = variants.map(() => ({ cpu: [] as number[], worker: [] as number[], ir: [] as number[] }))
  const update = () => `UPDATE cw SET val = val + 1 WHERE id = ${1 + Math.floor(Math.random() * 100_000)}`
  for (let round = 0; round < rounds; round++) {
    for (const [i, v] of variants.entries()) {
      if (v.query) {
        await db.query(`SELECT count(*) FROM (SELECT pgr.subscribe($1, jsonb_build_array(g * 10), 'postgres') FROM generate_series(0, $2 - 1) g) s`, [v.query, v.feeds])
      }
      await waitForCapture(db, v.capture)
      await settle(db)
      const writer = new pg.Client({ connectionString: ctx.url })
      await writer.connect()
      const pid = (await writer.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
      // literal ids: the simple query protocol, as pgbench's default; a first pass warms caches
      for (let k = 0; k < n / 10; k++) await writer.query(update())
      await db.query('SELECT pgr.wait_idle(600000)')
      const w0 = await workerStats(db)
      const irBefore = ctx.callgrind ? await backendIr(ctx.callgrind, writer, pid) : 0
      const c0 = backendCpuMs(pid)
      for (let k = 0; k < n; k++) await writer.query(update())
      runs[i]!.cpu.push((backendCpuMs(pid) - c0) / n)
      if (ctx.callgrind) runs[i]!.ir.push(((await backendIr(ctx.callgrind, writer, pid)) - irBefore) / n)
      await writer.end()
      await db.query('SELECT pgr.wait_idle(600000)')
      runs[i]!.worker.push(((await workerStats(db)).cpu_ms - w0.cpu_ms) / n)
      if (v.query) await db.query('SELECT count(pgr.unsubscribe(s.id)) FROM pgr.subscription s')
    }
  }
  const base = runs[0]!
  const more = (x: number, than: number) => `${x >= than ? '+' : '−'}${Math.abs((x / than - 1) * 100).toFixed(1)}%`
  const irText = (ir: number[], than?: number[]) =>
    ir.length ? `, ${kIr(median(ir))} instructions${than ? ` (${more(median(ir), median(than))})` : ''}` : ''
  for (const [i, v] of variants.entries()) {
    if (i === 0) continue
    const r = runs[i]!
    ctx.report({
      figure: `writer UPDATE, ${v.name}`,
      value: `${f2(median(r.cpu) * 1000)} µs writer CPU per statement (${more(median(r.cpu), median(base.cpu))}; rounds ${r.cpu.map((x) => f2(x * 1000)).join(', ')})` +
        irText(r.ir, base.ir) + `; worker ${f2(median(r.worker) * 1000)} µs CPU per write`,
      baseline: `${f2(median(base.cpu) * 1000)} µs writer CPU per statement (rounds ${base.cpu.map((x) => f2(x * 1000)).join(', ')})` +
        irText(base.ir) + ' with no live query on the table',
      target: 'writer throughput >= 0.9x',
    })
  }
  await db.query(`SELECT pgr.undefine('cw_owner'), pgr.undefine('cw_above')`)
  await db.query('DROP TABLE cw')
}
