// A PostgreSQL cluster in a fresh temp dir that the server's OS user owns, removed with the dir:
// the test run's cluster and every bench's.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCluster, type ClusterOptions, type RunningCluster } from './cluster.ts'
import { giveTo, serverOsUser } from './os-user.ts'

export interface ThrowawayCluster {
  cluster: RunningCluster
  /** The temp dir holding data, sockets and log; callers may put their own files in it. */
  root: string
  /** Stops the cluster and removes the dir. */
  dispose(): Promise<void>
}

/** `prefix` names the temp dir (`<tmp>/<prefix>XXXXXX`). */
export async function startThrowawayCluster(
  prefix: string,
  options: Omit<ClusterOptions, 'dataDir' | 'socketDir' | 'logFile'>,
): Promise<ThrowawayCluster> {
  const root = mkdtempSync(join(tmpdir(), prefix))
  giveTo(serverOsUser(), root)
  let cluster: RunningCluster
  try {
    cluster = await startCluster({ ...options, dataDir: join(root, 'data'), socketDir: join(root, 'run'), logFile: join(root, 'postgres.log') })
  } catch (error) {
    rmSync(root, { recursive: true, force: true })
    throw error
  }
  return {
    cluster,
    root,
    async dispose() {
      await cluster.stop()
      rmSync(root, { recursive: true, force: true })
    },
  }
}
