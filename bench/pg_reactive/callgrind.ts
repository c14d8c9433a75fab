// Instruction counts, which no other process on a shared machine can blur: with --callgrind the
// bench's cluster runs under valgrind's callgrind, collecting only inside the worker's cycle
// (pgr_worker_process, kept out of line for this) and in client backends (PostgresMain), and
// dumping as each cycle starts and as each statement is parsed (pg_parse_query; exec_simple_query
// is static, so a stripped server binary does not name it). A worker's dump written as a cycle
// starts closes the previous cycle (pg_reactive's own parses inside a cycle split it further); a
// backend's dumps run from parse to parse: one statement, its capture triggers and commit included,
// with the wait for the next. ~50× slower meanwhile, and the worker's timers (housekeeping every
// 2 s) then fire in more of its cycles than at full speed. Names are not compressed: each dump
// reads on its own (callgrind_annotate --inclusive=yes).
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
    'valgrind', '--tool=callgrind', '--collect-atstart=no', '--toggle-collect=pgr_worker_process', '--toggle-collect=PostgresMain',
    '--dump-before=pgr_worker_process', '--dump-before=pg_parse_query', '--dump-instr=no', '--compress-strings=no',
    `--callgrind-out-file=${join(dir, 'cg.%p')}`,
  ]
}

interface Dump {
  ir: number
  /** written as a worker cycle started */
  cycleStart: boolean
}

/** One dump file, or undefined while it is being written. */
function readDump(file: string): Dump | undefined {
  const text = readFileSync(file, 'utf8')
  const m = /^totals: (\d+)/m.exec(text)
  return m ? { ir: Number(m[1]), cycleStart: /^desc: Trigger: --dump-before=pgr_worker_process/m.test(text) } : undefined
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function waitForDump(file: string): Promise<Dump> {
  for (let i = 0; i < 6000; i++) {
    if (existsSync(file)) {
      const d = readDump(file)
      if (d !== undefined) return d
    }
    await sleep(50)
  }
  throw new Error(`callgrind wrote no totals to ${file}`)
}

/** How many dumps a process has written: cg.<pid>.<n>, n from 1. */
function dumpCount(dir: string, pid: number): number {
  return readdirSync(dir).filter((f) => f.startsWith(`cg.${pid}.`)).length
}

/**
 * The worker's instructions in each cycle of what `work` makes it do. A cycle's work is dumped
 * (last part) as the next cycle starts, so one cycle is forced before the window (its dump, the
 * window's first cycle-start dump, is left out) and one after it (its start dumps the window's last).
 */
export async function workerCycles(dir: string, db: pg.Client, work: () => Promise<void>): Promise<number[]> {
  const pidOf = async () => (await db.query<{ pid: number }>('SELECT pgr.worker_pid() AS pid')).rows[0]!.pid
  // a commit that marks nothing still gets its cycle
  const forceCycle = async () => {
    await db.query('SELECT pgr._mark_dirty(NULL, false)')
    await db.query('SELECT pgr.wait_idle(600000)')
  }
  const pid = await pidOf()
  await forceCycle()
  const before = dumpCount(dir, pid)
  await work()
  await db.query('SELECT pgr.wait_idle(600000)')
  await forceCycle()
  if ((await pidOf()) !== pid) throw new Error('the worker restarted during the measurement')
  const after = dumpCount(dir, pid)
  const cycles: number[] = []
  let open: number | undefined // undefined: the forced cycle before the window
  for (let n = before + 1; n <= after; n++) {
    const d = await waitForDump(join(dir, `cg.${pid}.${n}`))
    if (open !== undefined) open += d.ir
    if (!d.cycleStart) continue
    if (open !== undefined) cycles.push(open)
    open = 0
  }
  return cycles
}

/**
 * Instructions of every simple-protocol statement a backend finished so far. Its last one is
 * dumped as the next starts: one `SELECT 1` is sent first (and counted in the next call).
 */
export async function backendIr(dir: string, backend: pg.Client, pid: number): Promise<number> {
  await backend.query('SELECT 1')
  let sum = 0
  // dump 1 holds the backend's start-up
  for (let n = 2; n <= dumpCount(dir, pid); n++) sum += (await waitForDump(join(dir, `cg.${pid}.${n}`))).ir
  return sum
}
