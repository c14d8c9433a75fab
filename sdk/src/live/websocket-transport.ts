// The live protocol v1 (docs/protocol.md) over one WebSocket: authenticates with the first
// message, (re)subscribes every subscription it holds with `resume` after a reconnect, and applies
// per-feed sequence rules. The socket, its reconnects and its timers belong to
// reconnecting-socket.ts; `close()` ends them all. Works with the browser's WebSocket, Node's
// built-in one or any constructor of the same shape (the `ws` package).
import { messageToChanges, toSubscribeMessage, type ServerMessage } from './protocol.ts'
import {
  createReconnectingSocket,
  type ReconnectingSocket,
  type WebSocketConstructor,
} from './reconnecting-socket.ts'
import type {
  LiveError,
  LiveSink,
  LiveTarget,
  LiveTransport,
  LiveTransportFactory,
} from './types.ts'

export type { WebSocketConstructor, WebSocketLike } from './reconnecting-socket.ts'

export interface WebSocketTransportOptions {
  /** Defaults to `globalThis.WebSocket`. */
  WebSocket?: WebSocketConstructor
  /**
   * Reconnect waits: a ceiling doubling from `minMs` (250) to `maxMs` (10,000) after each failed
   * attempt, each wait drawn uniformly from the upper half of the ceiling (jitter).
   */
  reconnect?: { minMs?: number; maxMs?: number }
  /** An attempt not welcomed by the server within this time (10,000 ms) is abandoned and retried. */
  connectTimeoutMs?: number
  /**
   * How frames are read. Default `JSON.parse`: numbers as PostgREST clients get them (past 2^53
   * or past a double's digits, rounded). `parseExactJson` from `@pgstack/sdk/exact-json` keeps
   * those as their exact decimal text instead.
   */
  parse?: (text: string) => unknown
}

interface Subscription {
  id: string
  target: LiveTarget
  sink: LiveSink
  feed: number | null
  seq: number | null
}

export function websocketTransport(options: WebSocketTransportOptions = {}): LiveTransportFactory {
  return ({ url, getToken }) => {
    const Socket =
      options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
    const parse = options.parse ?? JSON.parse
    const subscriptions = new Map<string, Subscription>()
    let connection: ReconnectingSocket | null = null
    let welcomed = false
    let closed = false
    let token: string | null = null
    let nextId = 0

    // a bigint parameter as its decimal text, the parameter type's text input: every digit kept
    const send = (message: object) =>
      connection?.send(JSON.stringify(message, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))) ?? false
    const sendSubscribe = (sub: Subscription) => {
      sub.id = `s${++nextId}`
      subscriptions.set(sub.id, sub)
      send(
        toSubscribeMessage(
          sub.id,
          sub.target,
          sub.feed !== null && sub.seq !== null ? { feed: sub.feed, seq: sub.seq } : null,
        ),
      )
    }
    const resubscribeAll = () => {
      const all = [...subscriptions.values()]
      subscriptions.clear()
      for (const sub of all) sendSubscribe(sub)
    }
    const failAll = (error: LiveError) => {
      for (const sub of subscriptions.values()) sub.sink.failed(error)
      subscriptions.clear()
    }

    const receive = (message: ServerMessage) => {
      switch (message.type) {
        case 'welcome':
          connection?.healthy(message.heartbeat_ms ?? 25_000)
          if (!welcomed) resubscribeAll()
          welcomed = true
          return
        case 'snapshot':
          for (const sub of subscriptions.values()) {
            if (message.id !== undefined ? sub.id !== message.id : sub.feed !== message.feed)
              continue
            sub.feed = message.feed
            sub.seq = message.seq
            sub.sink.snapshot(message.rows, message.seq)
          }
          return
        case 'resumed': {
          const sub = subscriptions.get(message.id)
          if (sub) Object.assign(sub, { feed: message.feed, seq: message.seq })
          return
        }
        case 'delta':
          for (const sub of [...subscriptions.values()]) {
            if (sub.feed !== message.feed || sub.seq === null || message.seq <= sub.seq) continue
            if (message.seq > sub.seq + 1) {
              // A gap: start this subscription over from what it has, under a fresh id.
              send({ type: 'unsubscribe', id: sub.id })
              subscriptions.delete(sub.id)
              sendSubscribe(sub)
              continue
            }
            sub.seq = message.seq
            sub.sink.changes(messageToChanges(message.ops), message.seq)
          }
          return
        case 'state':
          if (message.state === 'live') subscriptions.get(message.id)?.sink.live()
          return
        case 'error': {
          const error = {
            code: message.code,
            message: message.message,
            details: message.details ?? null,
            hint: message.hint ?? null,
          }
          if (message.id !== undefined) {
            subscriptions.get(message.id)?.sink.failed(error)
            subscriptions.delete(message.id)
          } else if (message.feed !== undefined) {
            for (const sub of subscriptions.values())
              if (sub.feed === message.feed) sub.sink.failed(error, false)
          } else if (!welcomed) {
            failAll(error)
          }
          return
        }
        case 'closed': {
          const sub = subscriptions.get(message.id)
          if (!sub || !message.error) return
          subscriptions.delete(message.id)
          if (message.error.code === 'PGRST303') void renewAfterExpiry(sub, message.error)
          else sub.sink.failed(message.error)
          return
        }
      }
    }

    /** The token expired under a subscription: if a fresher one exists, resume with it. */
    const renewAfterExpiry = async (sub: Subscription, error: LiveError) => {
      const fresh = await getToken().catch(() => null)
      if (closed) return
      if (!fresh || fresh === token) return sub.sink.failed(error)
      setToken(fresh)
      sendSubscribe(sub)
    }

    const setToken = (next: string | null) => {
      if (next === null || next === token) return
      token = next
      send({ type: 'auth', token })
    }

    if (Socket) {
      connection = createReconnectingSocket({
        url: liveUrl(url),
        WebSocket: Socket,
        backoff: {
          minMs: options.reconnect?.minMs ?? 250,
          maxMs: options.reconnect?.maxMs ?? 10_000,
        },
        connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
        beforeDial: async () => {
          token = (await getToken()) ?? token
        },
        events: {
          opened: () => {
            welcomed = false
            send({ type: 'auth', token })
          },
          message: (data) => {
            let message: ServerMessage
            try {
              message = parse(data) as ServerMessage
            } catch {
              return // not the protocol; nothing to act on
            }
            receive(message)
          },
          down: () => {
            welcomed = false
            for (const sub of subscriptions.values()) sub.sink.interrupted()
          },
        },
      })
    }

    const transport: LiveTransport = {
      subscribe(target, sink) {
        if (!Socket) {
          queueMicrotask(() => sink.failed(noWebSocket))
          return () => {}
        }
        const sub: Subscription = { id: '', target, sink, feed: null, seq: null }
        if (welcomed && connection) sendSubscribe(sub)
        else subscriptions.set(`pending-${++nextId}`, sub)
        return () => {
          const current = [...subscriptions.entries()].find(([, s]) => s === sub)
          if (!current) return
          subscriptions.delete(current[0])
          if (welcomed) send({ type: 'unsubscribe', id: current[0] })
        }
      },
      setToken,
      close() {
        closed = true
        subscriptions.clear()
        connection?.close()
        connection = null
      },
    }
    return transport
  }
}

const noWebSocket: LiveError = {
  code: 'PGSTACK_NO_WEBSOCKET',
  message: 'no WebSocket implementation is available',
  details: null,
  hint: 'On Node 20, run node with --experimental-websocket, or pass websocketTransport({ WebSocket }) with the ws package.',
}

/** `http(s)://host[/…]` or `ws(s)://host[/…]` → `ws(s)://host/…/live/v1`. */
export function liveUrl(base: string): string {
  const url = base.replace(/^http/i, 'ws').replace(/\/+$/, '')
  return url.endsWith('/live/v1') ? url : `${url}/live/v1`
}
