// The workload the Studio's inspector bench and the admin introspection bench share: a throwaway
// cluster with pg_reactive, a hub, ACTORS live subscriptions over GROUPS feeds of one named
// query held by a separate process (bench/studio/load.mjs), which also writes RATE rows/s once
// started. The caller runs its phases, then `close()` (cleanups in reverse, cluster last).
import { fork, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import pg from 'pg'
import { ensureExtensionInstalled, findPgBinaries } from '@pgstack/infra'
import { signApiKeys } from '@pgstack/hub'
import { startBenchCluster } from './bench-cluster.ts'
import { startBenchHub } from './bench-hub.ts'

export interface ActorWorkload {
  hubUrl: string
  serviceKey: string
  /** Sends a message to the load process and waits for its answer. */
  ask(message: { type: string }): Promise<Record<string, unknown>>
  load: ChildProcess
  /** Runs at close(), before the ones registered earlier. */
  cleanups: Array<() => Promise<unknown>>
  close(): Promise<void>
}

export interface ActorWorkloadOptions {
  name: string
  actors: number
  rate: number
  groups: number
  rows: number
  hubLog?: (line: string) => void
}

export async function startActorWorkload(options: ActorWorkloadOptions): Promise<ActorWorkload> {
  const { actors, rate, groups, rows } = options
  ensureExtensionInstalled(findPgBinaries(), (line) => console.error(line))
  const bench = await startBenchCluster(options.name, { preloadLibraries: ['pg_reactive'], settings: { max_worker_processes: 16 } })
  const cleanups: Array<() => Promise<unknown>> = []
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {})
    await bench.dispose()
  }
  try {
    const { hub, secret } = await startBenchHub(bench.cluster, { PGSTACK_LIVE_MAX_SUBSCRIPTIONS: String(actors) }, options.hubLog)
    cleanups.push(() => hub.close())
    const { serviceKey, anonKey } = await signApiKeys(secret, Math.floor(Date.now() / 1000))
    const adminUrl = bench.cluster.adminUrl('bench')
    const db = new pg.Client({ connectionString: adminUrl })
    await db.connect()
    await db.query(`
      CREATE TABLE item (id int PRIMARY KEY, grp int NOT NULL, n int NOT NULL DEFAULT 0, label text NOT NULL);
      INSERT INTO item SELECT g, g % ${groups}, 0, 'item ' || g FROM generate_series(1, ${rows}) g;
      GRANT SELECT ON item TO anon;
      SELECT pgr.define('group_items', 'SELECT id, grp, n, label FROM item WHERE grp = $1 ORDER BY id');
    `)
    await db.end()

    const load = fork(join(import.meta.dirname, '..', 'studio', 'load.mjs'), [
      JSON.stringify({ wsUrl: hub.url.replace(/^http/, 'ws'), token: anonKey, adminUrl, sockets: 10, subscriptions: actors, groups, rows, rate }),
    ], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    cleanups.push(async () => load.exitCode === null && load.kill())
    const ask = (message: { type: string }) => {
      const answered = new Promise<Record<string, unknown>>((resolve) => load.once('message', resolve))
      load.send(message)
      return answered
    }
    await ask({ type: 'start' })
    return { hubUrl: hub.url, serviceKey, ask, load, cleanups, close }
  } catch (error) {
    await close()
    throw error
  }
}
