// CPU time spent by each side of a benchmark, read from /proc (Linux): this process, the children
// it has waited for (a load generator, pgbench), and a PostgreSQL cluster (the postmaster, its live
// backends and the backends that already exited). Throughput on a shared 2-core machine depends on
// who else runs; CPU seconds per request do not (much), so benches print both.
import { readdirSync, readFileSync } from 'node:fs'

const TICK = 100 // USER_HZ: /proc reports clock ticks of 1/100 s on Linux

/** utime, stime, cutime, cstime of a process, in seconds (fields 14–17 of /proc/<pid>/stat). */
function times(pid: number | 'self'): [number, number, number, number] | undefined {
  try {
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return [Number(fields[11]) / TICK, Number(fields[12]) / TICK, Number(fields[13]) / TICK, Number(fields[14]) / TICK]
  } catch {
    return undefined // it exited between the listing and the read
  }
}

function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  } catch {
    return 0
  }
}

/** CPU seconds of the children this process has waited for (they are added when reaped). */
export function reapedChildrenCpu(): number {
  const t = times('self')
  return t ? t[2] + t[3] : 0
}

/** CPU seconds of one live process. */
export function processCpu(pid: number): number {
  const t = times(pid)
  return t ? t[0] + t[1] : 0
}

/**
 * CPU seconds of a PostgreSQL cluster so far: the postmaster, every live child (backends,
 * background workers) and every child that exited (the postmaster reaps them, so they count in
 * its cutime/cstime). Differences of two readings give what the cluster spent in between.
 */
export function clusterCpu(postmasterPid: number): number {
  const own = times(postmasterPid)
  let total = own ? own[0] + own[1] + own[2] + own[3] : 0
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (pid > 0 && parentOf(pid) === postmasterPid) total += processCpu(pid)
  }
  return total
}

/** How many processes `postmasterPid` has now (backends, background workers). */
export function childCount(postmasterPid: number): number {
  let count = 0
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (pid > 0 && parentOf(pid) === postmasterPid) count++
  }
  return count
}

/**
 * Waits (at most `ms`) until the cluster has no more than `count` processes: the backends of a
 * client that just disconnected are reaped, so their CPU is in the postmaster's cutime and counts
 * for that client's run, not the next one's.
 */
export function settleCluster(postmasterPid: number, count: number, ms = 2000): void {
  const deadline = Date.now() + ms
  const pause = new Int32Array(new SharedArrayBuffer(4))
  while (childCount(postmasterPid) > count && Date.now() < deadline) Atomics.wait(pause, 0, 0, 10)
}
