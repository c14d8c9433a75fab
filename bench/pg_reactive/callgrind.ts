// Instruction counts, which no other process on a shared machine can blur: with --callgrind the
// bench's cluster runs under valgrind's callgrind, collecting inside the worker's cycle
// (pgr_worker_process) and in client backends (PostgresMain), and dumping as each cycle starts and
// as each statement is parsed (pg_parse_query; exec_simple_query is static, so a stripped server
// binary does not name it): one file per cycle, one per statement from parse to commit (capture
// triggers and the commit callback included) with the wait for the next. ~50× slower meanwhile.
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type pg from 'pg'
import { serverOsUser } from '@pgstack/infra'

/** The command the server runs under, its dumps written to dir (made for the server's OS user). */
export function callgrindWrapper(dir: string): string[] {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const user = serverOsUser()
  if (user) chownSync(dir, user.uid, user.gid)
  return [
    'valgrind', '--tool=callgrind', '--toggle-collect=pgr_worker_process', '--toggle-collect=PostgresMain',
    '--dump-before=pgr_worker_process', '--dump-before=pg_parse_query', '--dump-instr=no',
    `--callgrind-out-file=${join(dir, 'cg.%p')}`,
  ]
}

/** Instructions in one dump file, or undefined while it is being written. */
function totals(file: string): number | undefined {
  const m = /^totals: (\d+)/m.exec(readFileSync(file, 'utf8'))
  return m ? Number(m[1]) : undefined
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function waitForTotals(file: string): Promise<number> {
  for (let i = 0; i < 6000; i++) {
    if (existsSync(file)) {
      const n = totals(file)
      if (n !== undefined) return n
    }
    await sleep(50)
  }
  throw new Error(`callgrind wrote no totals to ${file}`)
}

/** A process's dumps: cg.<pid>.<n>, one per cycle (statement) it entered. */
function cycleDumps(dir: string, pid: number): number {
  return readdirSync(dir).filter((f) => f.startsWith(`cg.${pid}.`)).length
}

/**
 * The worker's instructions per cycle over what `work` makes it do. Dump n holds cycle n − 1 (it is
 * written as cycle n starts), so after the window one more cycle is forced to flush the last one.
 */
export async function workerCycles(dir: string, db: pg.Client, work: () => Promise<void>): Promise<number[]> {
  const pidOf = async () => (await db.query<{ pid: number }>('SELECT pgr.worker_pid() AS pid')).rows[0]!.pid
  const pid = await pidOf()
  const before = cycleDumps(dir, pid)
  await work()
  await db.query('SELECT pgr.wait_idle(600000)')
  if ((await pidOf()) !== pid) throw new Error('the worker restarted during the measurement')
  const after = cycleDumps(dir, pid)
  // a commit that marks nothing still gets its cycle
  await db.query('SELECT pgr._mark_dirty(NULL, false)')
  const counts: number[] = []
  for (let n = before + 2; n <= after + 1; n++) counts.push(await waitForTotals(join(dir, `cg.${pid}.${n}`)))
  // (a rare parse inside a cycle — a top-N spec built again — splits it in two dumps)
  return counts
}

/**
 * Instructions of every simple-protocol statement a backend finished so far. Its last one is
 * dumped as the next starts: one `SELECT 1` is sent first (and counted in the next call).
 */
export async function backendIr(dir: string, backend: pg.Client, pid: number): Promise<number> {
  await backend.query('SELECT 1')
  let sum = 0
  // dump 1 holds the backend's start-up
  for (let n = 2; n <= cycleDumps(dir, pid); n++) sum += await waitForTotals(join(dir, `cg.${pid}.${n}`))
  return sum
}
