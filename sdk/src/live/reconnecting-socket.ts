// Owns the live transport's one WebSocket and its one timer: dials, notices every way a socket
// can fail (a close, an `error` without a close as Node's built-in WebSocket gives for a refused
// connection, an opening that hangs, a socket that goes silent) and dials again after a backoff
// with jitter. Never two sockets, never two timers. It knows nothing of the protocol above it.

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

export interface Backoff {
  minMs: number
  maxMs: number
}

/**
 * The wait before reconnect attempt `attempt` (0 for the first after a drop): a ceiling that
 * doubles from `minMs` up to `maxMs`, and a wait uniformly drawn from its upper half, so clients
 * dropped together come back spread over half the ceiling, yet none sooner than half of it.
 */
export function reconnectDelay(attempt: number, backoff: Backoff, random = Math.random): number {
  const ceiling = Math.min(backoff.maxMs, backoff.minMs * 2 ** Math.min(attempt, 30))
  return ceiling / 2 + (random() * ceiling) / 2
}

export interface SocketEvents {
  /** The socket opened (the server has not spoken yet). */
  opened(): void
  /** A text frame. */
  message(data: string): void
  /** The socket is gone; a reconnect is scheduled unless `close()` was called. */
  down(): void
}

export interface ReconnectingSocketOptions {
  url: string
  WebSocket: WebSocketConstructor
  backoff: Backoff
  /** From dialing until `healthy()`: longer and the attempt is abandoned. */
  connectTimeoutMs: number
  /** Runs before every attempt (e.g. reads the current token); bounded by the connect timeout, its failure ignored. */
  beforeDial(): Promise<void>
  events: SocketEvents
}

export interface ReconnectingSocket {
  /** Sends on the open socket; false when there is none. */
  send(text: string): boolean
  /**
   * The server answered as it should: the backoff starts over, and from now on the socket is
   * dropped when nothing is heard from it for two heartbeat intervals.
   */
  healthy(heartbeatMs: number): void
  close(): void
}

const OPEN = 1
const noop = () => {}

export function createReconnectingSocket(options: ReconnectingSocketOptions): ReconnectingSocket {
  const { events, connectTimeoutMs } = options
  let socket: WebSocketLike | null = null
  /** The one pending timer: the reconnect delay, the connect deadline or the silence check. */
  let timer: ReturnType<typeof setTimeout> | undefined
  let dialing = false
  let closed = false
  let attempt = 0
  let lastHeard = 0

  const arm = (ms: number, fn: () => void) => {
    clearTimeout(timer)
    timer = setTimeout(() => {
      timer = undefined
      fn()
    }, ms)
  }

  const dial = async () => {
    if (closed || socket || dialing) return
    dialing = true
    clearTimeout(timer)
    timer = undefined
    try {
      await withDeadline(options.beforeDial(), connectTimeoutMs)
    } catch {
      // a token refresh failing while the server is down must not end the retries
    }
    dialing = false
    if (closed || socket) return
    let ws: WebSocketLike
    try {
      ws = new options.WebSocket(options.url)
    } catch {
      scheduleDial()
      return
    }
    socket = ws
    lastHeard = Date.now()
    arm(connectTimeoutMs, () => drop(ws))
    ws.onopen = () => {
      if (socket === ws) events.opened()
    }
    ws.onmessage = (event) => {
      if (socket !== ws) return
      lastHeard = Date.now()
      if (typeof event.data === 'string') events.message(event.data)
    }
    // Either one ends the socket: browsers send both, Node's built-in WebSocket may send only
    // `error` (a refused connection leaves it CONNECTING forever), `ws` sends both.
    ws.onerror = () => drop(ws)
    ws.onclose = () => drop(ws)
  }

  const drop = (ws: WebSocketLike) => {
    if (socket !== ws) return
    socket = null
    detach(ws)
    events.down()
    scheduleDial()
  }

  const scheduleDial = () => {
    if (closed) return
    arm(reconnectDelay(attempt++, options.backoff), () => void dial())
  }

  const checkSilence = (heartbeatMs: number) => {
    const ws = socket
    if (!ws) return
    const due = lastHeard + 2 * heartbeatMs - Date.now()
    if (due <= 0) drop(ws)
    else arm(due, () => checkSilence(heartbeatMs))
  }

  // Browsers say when the network is back: dial at once instead of waiting out the backoff.
  const scope = globalThis as {
    addEventListener?: (type: string, fn: () => void) => void
    removeEventListener?: (type: string, fn: () => void) => void
  }
  const online = () => {
    if (socket || dialing || closed) return
    attempt = 0
    void dial()
  }
  scope.addEventListener?.('online', online)

  void dial()

  return {
    send(text) {
      if (socket?.readyState !== OPEN) return false
      socket.send(text)
      return true
    },
    healthy(heartbeatMs) {
      attempt = 0
      checkSilence(heartbeatMs)
    },
    close() {
      closed = true
      clearTimeout(timer)
      scope.removeEventListener?.('online', online)
      if (socket) detach(socket, 1000)
      socket = null
    },
  }
}

/** Stops listening to a socket and closes it; its late events (an `error` after `close()`) land nowhere. */
function detach(ws: WebSocketLike, code?: number): void {
  // A function, not null: the `ws` package throws an `error` event nobody listens to.
  ws.onopen = ws.onmessage = ws.onclose = ws.onerror = noop
  try {
    if (code === undefined) ws.close()
    else ws.close(code)
  } catch {
    // closing a socket that never opened may throw in some implementations
  }
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let deadline: ReturnType<typeof setTimeout> | undefined
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      deadline = setTimeout(() => reject(new Error('timed out')), ms)
    }),
  ]).finally(() => clearTimeout(deadline))
}
