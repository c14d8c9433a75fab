// What both floor servers (floor-server.ts, floor-raw.ts) share: the environment they are started
// with, uWS serving `GET /rest/v1/items?id=eq.N` with the hub's settings values, and batching the
// requests of one event-loop turn MAX_BATCH at a time, as rest/src/scheduler.ts does. They differ
// only in how a batch reaches PostgreSQL.
import uWS from 'uWebSockets.js'

export const env = (name: string): string => {
  const value = process.env[name]
  if (value === undefined) throw new Error(`${name} is not set`)
  return value
}

export const SETTINGS_SQL = env('FLOOR_SETTINGS_SQL')
export const ITEM_SQL = env('FLOOR_ITEM_SQL')
const CLAIMS = env('FLOOR_CLAIMS')
const MAX_BATCH = 8 // as rest/src/scheduler.ts

/** One request: the settings statement's values, the key, and where its body rows go. */
export interface ItemRequest {
  settings: string[]
  id: string
  answer(rows: string[]): void
  fail(error: Error): void
}

/** Requests of one turn of the event loop go to `sendBatch` MAX_BATCH at a time. */
function perTurn(sendBatch: (batch: ItemRequest[]) => void): (request: ItemRequest) => void {
  let queue: ItemRequest[] | undefined
  return (request) => {
    if (!queue) {
      const q: ItemRequest[] = (queue = [])
      setImmediate(() => {
        queue = undefined
        for (let i = 0; i < q.length; i += MAX_BATCH) sendBatch(q.slice(i, i + MAX_BATCH))
      })
    }
    queue.push(request)
  }
}

/** Serves the items route on PORT, handing each turn's requests to `sendBatch`; prints "listening". */
export function serveItems(sendBatch: (batch: ItemRequest[]) => void): void {
  const send = perTurn(sendBatch)
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
    send({
      settings: ['anon', CLAIMS, 'GET', '/rest/v1/items', JSON.stringify(headers), '{}'],
      id,
      answer(rows) {
        if (aborted) return
        res.cork(() => {
          res.writeStatus('200 OK')
          res.writeHeader('Content-Range', rows.length ? `0-${rows.length - 1}/*` : '*/*')
          res.writeHeader('Content-Type', 'application/json; charset=utf-8')
          res.end(`[${rows.join(',')}]`)
        })
      },
      fail(error) {
        if (!aborted) res.cork(() => res.writeStatus('500 Internal Server Error').end(error.message))
      },
    })
  })
  app.listen('127.0.0.1', Number(env('PORT')), (socket) => {
    if (!socket) process.exit(1)
    console.log('listening')
  })
}
