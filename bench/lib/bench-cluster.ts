// The throwaway cluster every bench runs on: a temp dir the server's OS user owns, fsync and
// synchronous_commit off (benches measure our code, not the disk), removed by dispose().
import { randomBytes } from 'node:crypto'
import { chownSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serverOsUser, startCluster, type RunningCluster } from '@pgstack/infra'

export interface BenchCluster {
  cluster: RunningCluster
  /** The temp dir holding data, sockets and log; benches may put their own files in it. */
  root: string
  dispose(): Promise<void>
}

export async function startBenchCluster(
  name: string,
  options: { preloadLibraries?: string[]; settings?: Record<string, string | number> } = {},
): Promise<BenchCluster> {
  const root = mkdtempSync(join(tmpdir(), `pgstack-bench-${name}-`))
  const user = serverOsUser()
  if (user) chownSync(root, user.uid, user.gid)
  const cluster = await startCluster({
    dataDir: join(root, 'data'),
    socketDir: join(root, 'run'),
    logFile: join(root, 'postgres.log'),
    superuserPassword: randomBytes(12).toString('hex'),
    preloadLibraries: options.preloadLibraries,
    settings: { max_connections: 200, shared_buffers: '256MB', fsync: 'off', synchronous_commit: 'off', ...options.settings },
  })
  return {
    cluster,
    root,
    async dispose() {
      await cluster.stop()
      rmSync(root, { recursive: true, force: true })
    },
  }
}
