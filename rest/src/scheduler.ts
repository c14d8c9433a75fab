// Takes a pool connection for each Pipeline and sends it. Small reads that arrive in one turn of
// the event loop share a connection and one write (a Batch): each keeps its own Sync, so its own
// transaction, settings and errors, and a batch of concurrent small requests costs one round
// trip and one wake-up instead of one each. execute.ts decides what a request sends; pipeline.ts
// how it goes on the wire; this module only when and on which connection.
import type pg from 'pg'
import { Batch, isServerError, type Pipeline } from './pipeline.ts'

/** Most Pipelines sent together on one connection. */
const MAX_BATCH = 8
const queues = new WeakMap<pg.Pool, Pipeline[]>()

/**
 * Sends `pipeline` on a connection of `pool`; its answer (or error) arrives through
 * `pipeline.done`. `share`: it may wait for the end of this turn of the event loop and go with
 * the others sent meanwhile — only for statements that cannot wait on a lock or run long (reads),
 * which would hold up the ones batched behind them.
 */
export function send(pool: pg.Pool, pipeline: Pipeline, share: boolean): void {
  if (!share) {
    void run(pool, [pipeline])
    return
  }
  let queue = queues.get(pool)
  if (!queue) {
    const q: Pipeline[] = (queue = [])
    queues.set(pool, q)
    setImmediate(() => {
      queues.delete(pool)
      for (let i = 0; i < q.length; i += MAX_BATCH) void run(pool, q.slice(i, i + MAX_BATCH))
    })
  }
  queue.push(pipeline)
}

/** One connection for `pipelines`, released when every one is answered. Never rejects. */
async function run(pool: pg.Pool, pipelines: Pipeline[]): Promise<void> {
  let client: pg.PoolClient
  try {
    client = await pool.connect()
  } catch (error) {
    for (const p of pipelines) p.handleError(error as Error)
    return
  }
  try {
    client.query(pipelines.length === 1 ? pipelines[0]! : new Batch(client, pipelines))
  } catch (error) {
    for (const p of pipelines) p.handleError(error as Error)
    client.release(error as Error)
    return
  }
  const settled = await Promise.allSettled(pipelines.map((p) => p.done))
  // A server error leaves the connection usable; anything else (a dropped socket) discards it.
  const broken = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected' && !isServerError(s.reason))
  client.release(broken ? (broken.reason as Error) : undefined)
}
