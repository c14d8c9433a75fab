// The live protocol v1 (docs/protocol.md) over one WebSocket: authenticates with the first
// message, (re)subscribes every subscription it holds with `resume` after a reconnect, applies
// per-feed sequence rules, and watches heartbeats. It owns the socket and its timers; `close()`
// ends them all. Works with the browser's WebSocket or any constructor of the same shape.
import { messageToChanges, toSubscribeMessage, type ServerMessage } from './protocol.ts'
import type {
  LiveError,
  LiveSink,
  LiveTarget,
  LiveTransport,
  LiveTransportFactory,
} from './types.ts'

/** The part of the WebSocket API the transport uses (browsers, Node ≥ 22, the `ws` package). */
export interface WebSocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onclose: ((event: unknown) => void) | null
  onerror: ((event: unknown) => void) | null
}
export type WebSocketConstructor = new (url: string) => WebSocketLike

export interface WebSocketTransportOptions {
  /** Defaults to `globalThis.WebSocket`. */
  WebSocket?: WebSocketConstructor
  /** Reconnect delays grow from `minMs` to `maxMs` (doubling, with jitter). */
  reconnect?: { minMs?: number; maxMs?: number }
}

interface Subscription {
  id: string
  target: LiveTarget
  sink: LiveSink
  feed: number | null
  seq: number | null
}

const OPEN = 1

export function websocketTransport(options: WebSocketTransportOptions = {}): LiveTransportFactory {
  return ({ url, getToken }) => {
    const Socket =
      options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
    const minDelay = options.reconnect?.minMs ?? 250
    const maxDelay = options.reconnect?.maxMs ?? 10_000
    const subscriptions = new Map<string, Subscription>()
    let socket: WebSocketLike | null = null
    let welcomed = false
    let closed = false
    let token: string | null = null
    let nextId = 0
    let attempt = 0
    let reconnectTimer: ReturnType<typeof setTimeout> | undefined
    let watchdog: ReturnType<typeof setInterval> | undefined
    let lastHeard = 0

    const send = (message: object) => {
      if (socket?.readyState === OPEN) socket.send(JSON.stringify(message))
    }
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

    const connect = async () => {
      if (closed) return
      token = (await getToken()) ?? token
      if (closed || !Socket) return
      const ws = new Socket(liveUrl(url))
      socket = ws
      welcomed = false
      ws.onopen = () => {
        lastHeard = Date.now()
        ws.send(JSON.stringify({ type: 'auth', token }))
      }
      ws.onmessage = (event) => {
        lastHeard = Date.now()
        if (typeof event.data === 'string') receive(JSON.parse(event.data) as ServerMessage)
      }
      ws.onerror = () => {}
      ws.onclose = () => {
        if (socket !== ws) return
        socket = null
        clearInterval(watchdog)
        for (const sub of subscriptions.values()) sub.sink.interrupted()
        if (closed) return
        const delay = Math.min(maxDelay, minDelay * 2 ** attempt++) * (0.5 + Math.random() / 2)
        reconnectTimer = setTimeout(() => void connect(), delay)
      }
    }

    const receive = (message: ServerMessage) => {
      switch (message.type) {
        case 'welcome': {
          attempt = 0
          clearInterval(watchdog)
          const interval = message.heartbeat_ms ?? 25_000
          // Nothing heard for two heartbeat intervals: the socket is dead even if it looks open.
          watchdog = setInterval(() => {
            if (Date.now() - lastHeard > 2 * interval) socket?.close()
          }, interval)
          if (!welcomed) resubscribeAll()
          welcomed = true
          return
        }
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
      const fresh = await getToken()
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

    void connect()

    const transport: LiveTransport = {
      subscribe(target, sink) {
        if (!Socket) {
          queueMicrotask(() => sink.failed(noWebSocket))
          return () => {}
        }
        const sub: Subscription = { id: '', target, sink, feed: null, seq: null }
        if (welcomed && socket?.readyState === OPEN) sendSubscribe(sub)
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
        clearTimeout(reconnectTimer)
        clearInterval(watchdog)
        subscriptions.clear()
        socket?.close(1000)
        socket = null
      },
    }
    return transport
  }
}

const noWebSocket: LiveError = {
  code: 'PGSTACK_NO_WEBSOCKET',
  message: 'no WebSocket implementation is available',
  details: null,
  hint: 'On Node 20, pass websocketTransport({ WebSocket }) with the ws package.',
}

/** `http(s)://host[/…]` or `ws(s)://host[/…]` → `ws(s)://host/…/live/v1`. */
export function liveUrl(base: string): string {
  const url = base.replace(/^http/i, 'ws').replace(/\/+$/, '')
  return url.endsWith('/live/v1') ? url : `${url}/live/v1`
}
