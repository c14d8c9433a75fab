// The floor under bench/rest/run.ts: the least a Node server on our stack can do for
// `GET /rest/v1/items?id=eq.N` — uWebSockets.js in, the same two statements the hub sends
// (request settings, then the JSON select) through the hub's own wire code (rest/src/pipeline.ts:
// pipelined, one Sync each, batched per turn of the event loop on pooled node-postgres
// connections), the rows joined into the body. No token check, parsing, planning, schema cache or
// rendering: the REST layer's own cost is what the hub spends above this.
// Env: DATABASE_URL, PORT, POOL, FLOOR_SETTINGS_SQL / FLOOR_ITEM_SQL (the statements), FLOOR_CLAIMS.
// Prints "listening" once it listens.
import pg from 'pg'
import uWS from 'uWebSockets.js'
import { Batch, Pipeline } from '../../rest/src/pipeline.ts'

const env = (name: string): string => {
  const value = process.env[name]
  if (value === undefined) throw new Error(`${name} is not set`)
  return value
}
const SETTINGS_SQL = env('FLOOR_SETTINGS_SQL')
const ITEM_SQL = env('FLOOR_ITEM_SQL')
const CLAIMS = env('FLOOR_CLAIMS')
const MAX_BATCH = 8 // as rest/src/scheduler.ts

const pool = new pg.Pool({ connectionString: env('DATABASE_URL'), max: Number(process.env.POOL ?? 32) })

async function run(pipelines: Pipeline[]): Promise<void> {
  const client = await pool.connect()
  client.query(pipelines.length === 1 ? pipelines[0]! : new Batch(client, pipelines))
  const settled = await Promise.allSettled(pipelines.map((p) => p.done))
  client.release(settled.some((s) => s.status === 'rejected') ? new Error('a pipeline failed') : undefined)
}

let queue: Pipeline[] | undefined
function send(pipeline: Pipeline): void {
  if (!queue) {
    const q: Pipeline[] = (queue = [])
    setImmediate(() => {
      queue = undefined
      for (let i = 0; i < q.length; i += MAX_BATCH) void run(q.slice(i, i + MAX_BATCH))
    })
  }
  queue.push(pipeline)
}

const app = uWS.App()
app.get('/rest/v1/items', (res, req) => {
  const headers: Record<string, string> = {}
  req.forEach((name, value) => {
    headers[name] = value
  })
  const id = new URLSearchParams(req.getQuery() ?? '').get('id')?.replace(/^eq\./, '') ?? ''
  let aborted = false
  res.onAborted(() => {
    aborted = true
  })
  const pipeline = new Pipeline([
    { name: 'floor_settings', text: SETTINGS_SQL, values: ['anon', CLAIMS, 'GET', '/rest/v1/items', JSON.stringify(headers), '{}'] },
    { name: 'floor_item', text: ITEM_SQL, values: [id] },
  ])
  send(pipeline)
  pipeline.done.then(
    (results) => {
      if (aborted) return
      const rows = results[1] ?? []
      res.cork(() => {
        res.writeStatus('200 OK')
        res.writeHeader('Content-Range', rows.length ? `0-${rows.length - 1}/*` : '*/*')
        res.writeHeader('Content-Type', 'application/json; charset=utf-8')
        res.end(`[${rows.map((r) => r[2]).join(',')}]`)
      })
    },
    (error: Error) => {
      if (!aborted) res.cork(() => res.writeStatus('500 Internal Server Error').end(error.message))
    },
  )
})
app.listen('127.0.0.1', Number(env('PORT')), (socket) => {
  if (!socket) process.exit(1)
  console.log('listening')
})
