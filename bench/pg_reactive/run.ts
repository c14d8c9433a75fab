// pg_reactive's own figures, next to baselines from the same run, on a throwaway cluster of the
// PostgreSQL that PG_CONFIG (or PATH) names, on a free port, with the worker preloaded.
//
//   node --conditions=@pgstack/source --import tsx bench/pg_reactive/run.ts
//        [--only writer,latency,contexts,big,floor,capture] [--seconds 10] [--rounds 3]
//        [--writes 200] [--cases user-1k,user-10k,room-1000,room-100] [--set name=value …] [--callgrind [--keep]]
//
// writer, latency, contexts, big: wall-clock throughput and latency (throughput.ts) — noisy on a
// shared machine, the load average is printed beside them. floor, capture: the worker's CPU per
// cycle and a writer's CPU per statement (floor.ts), which the machine's load does not change;
// with --callgrind (valgrind installed) the cluster runs under callgrind and they are also given
// in instructions (floor, capture only; 50× slower: user-10k is left out unless named in --cases);
// --keep keeps the dumps (cg.<pid>.<n>: a worker's cut at each cycle start and parse, a backend's at
// each statement) for callgrind_annotate.
import { spawn } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { ensureExtensionInstalled, findPgBinaries } from '@pgstack/infra'
import { startBenchCluster } from '../lib/bench-cluster.ts'
import { callgrindWrapper } from './callgrind.ts'
import { capture, floor, FLOOR_CASE_NAMES, type Figure, type FloorCase } from './floor.ts'
import { bigTable, contexts, notifyLatency, writerOverhead, type PgbenchResult } from './throughput.ts'

const args = process.argv.slice(2)
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt
}
const CALLGRIND = args.includes('--callgrind')
const KEEP = args.includes('--keep')
const SECONDS = Number(opt('seconds', '10'))
const ROUNDS = Number(opt('rounds', '3'))
const WRITES = Number(opt('writes', CALLGRIND ? '50' : '200'))
const ONLY = opt('only', CALLGRIND ? 'floor,capture' : 'writer,latency,contexts,big,floor,capture').split(',')
const CASES = opt('cases', FLOOR_CASE_NAMES.filter((c) => !CALLGRIND || c !== 'user-10k').join(',')).split(',') as FloorCase[]
// extra server settings, e.g. --set pg_reactive.worker_cpu_share=1
const SETS = Object.fromEntries(args.flatMap((a, i) => (a === '--set' && args[i + 1] ? [args[i + 1]!.split('=')] : [])))
for (const c of CASES) if (!FLOOR_CASE_NAMES.includes(c)) throw new Error(`unknown case ${c}: one of ${FLOOR_CASE_NAMES.join(', ')}`)

const bins = findPgBinaries()
ensureExtensionInstalled(bins, (line) => console.error(line))
const dumps = CALLGRIND ? join('/tmp', `pgstack-bench-callgrind-${process.pid}`) : undefined
const bench = await startBenchCluster('pg-reactive', {
  preloadLibraries: ['pg_reactive'],
  settings: { max_worker_processes: 16, ...SETS },
  wrapper: dumps ? callgrindWrapper(dumps) : undefined,
})
const { cluster } = bench
const url = cluster.adminUrl('postgres')
const password = decodeURIComponent(new URL(url).password)
const rows: Figure[] = []
const report = (f: Figure) => {
  rows.push(f)
  console.log(`  ${f.figure}: ${f.value}   [baseline: ${f.baseline}]   target ${f.target}`)
}

/** pgbench from the same PostgreSQL installation, against the bench's cluster. */
async function pgbench(script: string, { clients = 8, seconds = SECONDS, rate }: { clients?: number; seconds?: number; rate?: number } = {}): Promise<PgbenchResult> {
  const file = join(bench.root, `script-${Math.random().toString(36).slice(2)}.sql`)
  writeFileSync(file, script)
  const argv = ['-n', '-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', '-c', String(clients),
    '-j', String(Math.min(clients, 4)), '-T', String(seconds), '-f', file]
  if (rate) argv.push('-R', String(rate))
  // async: a LISTEN client must keep receiving while pgbench runs
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(join(bins.bindir, 'pgbench'), [...argv, 'postgres'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PGPASSWORD: password } })
    let text = ''
    child.stdout.on('data', (d) => (text += d))
    child.stderr.on('data', (d) => (text += d))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`pgbench failed: ${text}`))))
  })
  return { tps: Number(/tps = ([\d.]+)/.exec(out)?.[1]), lat: Number(/latency average = ([\d.]+) ms/.exec(out)?.[1]) }
}

const db = new pg.Client({ connectionString: url })
try {
  await db.connect()
  await db.query('CREATE EXTENSION pg_reactive')
  const v = (await db.query(`SELECT version(), pgr.library_version() AS lib`)).rows[0]
  console.log(`pg_reactive ${v.lib} on ${v.version.split(' on ')[0]} (${bins.pgConfig}); ${SECONDS}s pgbench runs; ` +
    `synchronous_commit=off${Object.keys(SETS).length ? `; ${JSON.stringify(SETS)}` : ''}${CALLGRIND ? '; under callgrind' : ''}; ` +
    `${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(1)}`)
  const tctx = { db, url, seconds: SECONDS, rounds: ROUNDS, pgbench, report }
  const fctx = { db, url, callgrind: dumps, writes: WRITES, report }
  if (ONLY.includes('writer')) await writerOverhead(tctx)
  if (ONLY.includes('latency')) await notifyLatency(tctx)
  if (ONLY.includes('contexts')) await contexts(tctx)
  if (ONLY.includes('big')) await bigTable(tctx)
  if (ONLY.includes('floor')) await floor(fctx, CASES)
  if (ONLY.includes('capture')) await capture(fctx, ROUNDS)
  console.log(`\nload average at the end: ${loadavg()[0]!.toFixed(1)}`)
  console.log('\n| figure | pg_reactive | baseline | target |\n|---|---|---|---|')
  for (const r of rows) console.log(`| ${r.figure} | ${r.value} | ${r.baseline} | ${r.target} |`)
} finally {
  await db.end().catch(() => {})
  await bench.dispose()
  if (dumps && KEEP) console.log(`callgrind dumps kept in ${dumps}`)
  else if (dumps) rmSync(dumps, { recursive: true, force: true })
}
