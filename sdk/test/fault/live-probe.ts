// A live client that reports what it does, for the fault tests. The same code runs in the test
// process (on `ws`), in a Node child on Node's built-in WebSocket and in Chromium, so every
// WebSocket the SDK supports goes through the same faults. No Node-only imports.
import {
  createLiveClient,
  websocketTransport,
  type LiveQuery,
  type WebSocketConstructor,
} from '@pgstack/sdk/pgstack'

export interface ProbeConfig {
  url: string
  /** A named live query, or a query-builder query when `rest` is given. */
  query: string
  params?: unknown[]
  rest?: { relation: string; query: string }
  reconnect: { minMs: number; maxMs: number }
  connectTimeoutMs: number
  /** What getToken() answers, call after call (the last one repeats); 'reject' rejects. */
  tokens: string[]
}

export type ProbeEvent =
  /** A socket was created; `others`: sockets created before it and not yet closed. */
  | { type: 'dial'; at: number; others: number }
  | { type: 'token'; at: number; answer: string }
  /** A server frame (heartbeats included). */
  | { type: 'frame'; at: number; kind: string; seq?: number }
  | { type: 'state'; at: number; state: string; sequence: number | null; rows: unknown[] }

type Report = (event: ProbeEvent) => void

interface EventSocket {
  addEventListener(type: string, fn: (event: { data?: unknown }) => void): void
  close(code?: number): void
}

/** Starts the client; returns its close(). */
export function runProbe(
  config: ProbeConfig,
  Base: WebSocketConstructor,
  report: Report,
): () => void {
  let open = 0
  const Counting = class extends (Base as unknown as new (url: string) => EventSocket) {
    constructor(url: string) {
      super(url)
      report({ type: 'dial', at: Date.now(), others: open })
      open++
      let ended = false
      const end = () => {
        if (!ended) open--
        ended = true
      }
      this.addEventListener('close', end)
      this.addEventListener('message', (event) => {
        if (typeof event.data !== 'string') return
        const frame = JSON.parse(event.data) as { type: string; seq?: number }
        report({ type: 'frame', at: Date.now(), kind: frame.type, seq: frame.seq })
      })
      const close = this.close.bind(this)
      this.close = (code?: number) => {
        end()
        close(code)
      }
    }
  }
  let calls = 0
  const client = createLiveClient({
    url: config.url,
    getToken: async () => {
      const answer = config.tokens[Math.min(calls++, config.tokens.length - 1)]!
      report({ type: 'token', at: Date.now(), answer })
      if (answer === 'reject') throw new Error('refresh failed: the server is down')
      return answer
    },
    transport: websocketTransport({
      WebSocket: Counting as unknown as WebSocketConstructor,
      reconnect: config.reconnect,
      connectTimeoutMs: config.connectTimeoutMs,
    }),
  })
  const query: LiveQuery<unknown> = config.rest
    ? client.open({ kind: 'query', relation: config.rest.relation, query: config.rest.query })
    : client.live(config.query, { params: config.params ?? [] })
  let last = ''
  query.subscribe((q) => {
    const key = `${q.state}:${q.sequence}`
    if (key === last) return
    last = key
    report({
      type: 'state',
      at: Date.now(),
      state: q.state,
      sequence: q.sequence,
      rows: q.rows as unknown[],
    })
  })
  return () => client.close()
}
