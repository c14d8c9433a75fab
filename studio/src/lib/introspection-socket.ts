// The inspector's socket to /live/v1: authenticates with the session's token, asks for the
// introspection stream, reconnects with backoff while the page wants it. It owns the socket and
// its timer; close() ends both. Messages go to one listener untouched: the store batches them.
import { parse as parseLossless } from 'lossless-json'

export type SocketStatus = 'connecting' | 'open' | 'closed' | 'refused'

export type StreamMessage = Record<string, unknown> & { type: string }

export interface IntrospectionListener {
  message(message: StreamMessage): void
  status(status: SocketStatus, detail?: string): void
}

export class IntrospectionSocket {
  private socket: WebSocket | null = null
  private listener: IntrospectionListener | null = null
  private closed = false
  private attempt = 0
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor(
    private readonly origin: string,
    private readonly token: () => string | null,
  ) {}

  start(listener: IntrospectionListener): void {
    this.listener = listener
    this.connect()
  }

  /**
   * Sends a message if the socket is open and authenticated; otherwise drops it (the caller
   * sends its state again on the next `open`, as a new socket starts from nothing).
   */
  send(message: object): void {
    if (this.socket?.readyState === WebSocket.OPEN && this.welcomed) this.socket.send(JSON.stringify(message))
  }

  close(): void {
    this.closed = true
    clearTimeout(this.timer)
    this.socket?.close(1000)
    this.socket = null
    this.listener = null
  }

  private welcomed = false

  private connect(): void {
    if (this.closed) return
    const url = new URL('/live/v1', this.origin)
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
    const ws = new WebSocket(url)
    this.socket = ws
    this.welcomed = false
    this.listener?.status('connecting')
    ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', token: this.token() }))
    ws.onmessage = (event) => {
      if (typeof event.data !== 'string') return
      // The per-second list is plain figures; rows and deltas carry the user's data, whose
      // bigint and numeric values must keep every digit.
      const message = (event.data.startsWith('{"type":"introspection"') ? JSON.parse(event.data) : parseLossless(event.data)) as StreamMessage
      if (message.type === 'welcome') {
        this.attempt = 0
        this.welcomed = true
        ws.send(JSON.stringify({ type: 'introspect' }))
        this.listener?.status('open')
        return
      }
      if (message.type === 'error' && message.id === undefined && message.feed === undefined && !this.welcomed) {
        this.listener?.status('refused', String(message.message ?? 'refused'))
        return
      }
      this.listener?.message(message)
    }
    ws.onclose = () => {
      if (this.socket !== ws || this.closed) return
      this.socket = null
      this.listener?.status('closed')
      const delay = Math.min(10_000, 250 * 2 ** this.attempt++) * (0.5 + Math.random() / 2)
      this.timer = setTimeout(() => this.connect(), delay)
    }
  }
}
