// The throwaway cluster every bench runs on, with fsync and synchronous_commit off (benches
// measure our code, not the disk). A bench stopped from outside (Ctrl-C, `timeout`, kill) or
// ending on an uncaught error still stops its cluster and removes its dir: a bench's `finally`
// does not run when a signal ends the process.
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { startThrowawayCluster, stopClusterSync, type ThrowawayCluster } from '@pgstack/infra'

export type BenchCluster = ThrowawayCluster

export async function startBenchCluster(
  name: string,
  options: { preloadLibraries?: string[]; settings?: Record<string, string | number>; wrapper?: string[] } = {},
): Promise<BenchCluster> {
  const bench = await startThrowawayCluster(`pgstack-bench-${name}-`, {
    superuserPassword: randomBytes(12).toString('hex'),
    preloadLibraries: options.preloadLibraries,
    wrapper: options.wrapper,
    settings: { max_connections: 200, shared_buffers: '256MB', fsync: 'off', synchronous_commit: 'off', ...options.settings },
  })
  const removeNow = () => {
    stopClusterSync(bench.cluster)
    rmSync(bench.root, { recursive: true, force: true })
  }
  const onSignal = (signal: NodeJS.Signals) => {
    removeNow()
    process.exit(signal === 'SIGINT' ? 130 : 143)
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  process.once('exit', removeNow)
  return {
    ...bench,
    async dispose() {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      process.off('exit', removeNow)
      await bench.dispose()
    },
  }
}
