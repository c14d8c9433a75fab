// The live half of a client: one transport (one socket) shared by every live query it opens, and
// the current token handed to it. It must not know the wire protocol; the transport does.
import { openLiveQuery, type LiveQuery } from './live-query.ts'
import { websocketTransport } from './websocket-transport.ts'
import type { LiveParams, LiveTarget, LiveTransport, LiveTransportFactory } from './types.ts'

export interface LiveOptions {
  /** Opens the connection to the hub's live endpoint (default: `websocketTransport()`, the
   * live protocol v1 over `globalThis.WebSocket`). */
  transport?: LiveTransportFactory
}

export interface LiveClient {
  /** Subscribes to a named live query. */
  live<Row = Record<string, unknown>>(
    name: string,
    options?: { params?: LiveParams },
  ): LiveQuery<Row>
  /** Subscribes to any target (the query builder's `.live()` uses this). */
  open<Row = Record<string, unknown>>(target: LiveTarget): LiveQuery<Row>
  setToken(token: string | null): void
  close(): void
}

export function createLiveClient(
  options: { url: string; getToken(): Promise<string | null> } & LiveOptions,
): LiveClient {
  const factory = options.transport ?? websocketTransport()
  let token: string | null | undefined
  // The socket opens with the first live query, not with the client: most clients never go live.
  let transport: LiveTransport | undefined
  const connect = () => (transport ??= factory({ url: options.url, getToken: options.getToken }))
  return {
    live: (name, { params = [] } = {}) => openLiveQuery(connect(), { kind: 'named', name, params }),
    open: (target) => openLiveQuery(connect(), target),
    setToken(next) {
      if (next === token) return
      token = next
      transport?.setToken(next)
    },
    close() {
      transport?.close()
      transport = undefined
    },
  }
}
