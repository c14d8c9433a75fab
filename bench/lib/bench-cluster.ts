// The throwaway cluster every bench runs on, with fsync and synchronous_commit off (benches
// measure our code, not the disk).
import { randomBytes } from 'node:crypto'
import { startThrowawayCluster, type ThrowawayCluster } from '@pgstack/infra'

export type BenchCluster = ThrowawayCluster

export function startBenchCluster(
  name: string,
  options: { preloadLibraries?: string[]; settings?: Record<string, string | number>; wrapper?: string[] } = {},
): Promise<BenchCluster> {
  return startThrowawayCluster(`pgstack-bench-${name}-`, {
    superuserPassword: randomBytes(12).toString('hex'),
    preloadLibraries: options.preloadLibraries,
    wrapper: options.wrapper,
    settings: { max_connections: 200, shared_buffers: '256MB', fsync: 'off', synchronous_commit: 'off', ...options.settings },
  })
}
