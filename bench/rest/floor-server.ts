// The floor under bench/rest/run.ts: the least a Node server on our stack can do for
// `GET /rest/v1/items?id=eq.N` — uWebSockets.js in, the same two statements the hub sends
// (request settings, then the JSON select) through the hub's own wire code (rest/src/pipeline.ts:
// pipelined, one Sync each, batched per turn of the event loop on pooled node-postgres
// connections), the rows joined into the body. No token check, parsing, planning, schema cache or
// rendering: the REST layer's own cost is what the hub spends above this.
// Env: DATABASE_URL, PORT, POOL, FLOOR_SETTINGS_SQL / FLOOR_ITEM_SQL (the statements), FLOOR_CLAIMS.
// Prints "listening" once it listens.
import pg from 'pg'
import { Batch, Pipeline } from '../../rest/src/pipeline.ts'
import { env, ITEM_SQL, serveItems, SETTINGS_SQL, type ItemRequest } from './floor-http.ts'

const pool = new pg.Pool({ connectionString: env('DATABASE_URL'), max: Number(process.env.POOL ?? 32) })

async function run(requests: ItemRequest[]): Promise<void> {
  const pipelines = requests.map(
    (r) =>
      new Pipeline([
        { name: 'floor_settings', text: SETTINGS_SQL, values: r.settings },
        { name: 'floor_item', text: ITEM_SQL, values: [r.id] },
      ]),
  )
  const client = await pool.connect()
  client.query(pipelines.length === 1 ? pipelines[0]! : new Batch(client, pipelines))
  const settled = await Promise.allSettled(pipelines.map((p) => p.done))
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') requests[i]!.answer((s.value[1] ?? []).map((row) => row[2] ?? ''))
    else requests[i]!.fail(s.reason as Error)
  })
  client.release(settled.some((s) => s.status === 'rejected') ? new Error('a pipeline failed') : undefined)
}

serveItems((batch) => void run(batch))
