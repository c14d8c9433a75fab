// A scripted live server whose faults a test switches: refused (not listening), reset (every
// connection reset at once), hang (connections accepted, the upgrade never answered), silent
// (open sockets stop hearing anything, heartbeats included) and serve (protocol v1: welcome,
// heartbeats, a snapshot of `rows` at `seq`). It counts TCP connections, open and at most at once.
import { createServer, type Server } from 'node:http'
import type { Socket } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'

export type FaultMode = 'serve' | 'reset' | 'hang' | 'silent'

export interface Received {
  type: string
  token?: string
  id?: string
  resume?: { feed: number; seq: number } | null
  at: number
}

export interface FaultServer {
  url: string
  mode: FaultMode
  /** The feed's rows and sequence the server snapshots from. */
  feed: { id: number; seq: number; rows: Array<{ key: string; row: unknown }> }
  received: Received[]
  /** TCP connections accepted (when, in which mode), and the most WebSockets open at once. */
  accepted: Array<{ at: number; mode: FaultMode }>
  /** WebSocket openings (upgrade requests), with the mode their connection was accepted in:
   * unlike `accepted`, never an idle connection a client's HTTP pool opened on its own. */
  upgrades: Array<{ at: number; mode: FaultMode }>
  maxOpen: number
  open(): number
  /** Starts listening (again) on the same port. */
  up(): Promise<void>
  /** Stops listening and resets every connection: what a killed process leaves. */
  down(): Promise<void>
  close(): Promise<void>
}

interface Teardown {
  teardown(fn: () => unknown): void
}

export async function startFaultServer(
  t: Teardown,
  heartbeatMs: number,
  listening = true,
): Promise<FaultServer> {
  /** Every TCP connection, and those that asked for a WebSocket. */
  const tcp = new Set<Socket>()
  const sockets = new Set<Socket>()
  const wss = new WebSocketServer({ noServer: true })
  const clients = new Set<WebSocket>()
  let http: Server | null = null
  let port = 0

  const server: FaultServer = {
    url: '',
    mode: 'serve',
    feed: { id: 1, seq: 10, rows: [{ key: '[1]', row: { id: 1, title: 'milk' } }] },
    received: [],
    accepted: [],
    upgrades: [],
    maxOpen: 0,
    open: () => sockets.size,
    async up() {
      http = createServer()
      // A connection keeps the mode it was accepted in, whatever the test switches to meanwhile.
      // WebSocket openings (upgrade requests) are what `open`/`maxOpen` count: Node's built-in
      // WebSocket (undici) may keep an idle pooled connection of its own beside them.
      const modes = new WeakMap<object, FaultMode>()
      http.on('connection', (socket) => {
        const mode = server.mode
        server.accepted.push({ at: Date.now(), mode })
        if (mode === 'reset') return void socket.resetAndDestroy()
        modes.set(socket, mode)
        tcp.add(socket)
        socket.on('close', () => tcp.delete(socket))
        socket.on('error', () => {})
      })
      http.on('upgrade', (request, socket: Socket, head) => {
        server.upgrades.push({ at: Date.now(), mode: modes.get(socket) ?? server.mode })
        sockets.add(socket)
        server.maxOpen = Math.max(server.maxOpen, sockets.size)
        socket.on('close', () => sockets.delete(socket))
        if (modes.get(socket) === 'hang') {
          // read on, so that the client giving up is noticed (the socket is half-open after an upgrade)
          socket.on('end', () => socket.destroy())
          return void socket.resume()
        }
        wss.handleUpgrade(request, socket, head, (ws) => serve(ws))
      })
      await new Promise<void>((resolve) => http!.listen(port, '127.0.0.1', resolve))
      port = (http.address() as { port: number }).port
      server.url = `http://127.0.0.1:${port}`
    },
    async down() {
      const closing = http
      http = null
      for (const socket of tcp) socket.resetAndDestroy()
      clients.clear()
      if (closing) await new Promise((resolve) => closing.close(resolve))
    },
    async close() {
      clearInterval(heartbeat)
      await server.down()
      wss.close()
    },
  }

  const send = (ws: WebSocket, message: object) => {
    if (server.mode !== 'silent') ws.send(JSON.stringify(message))
  }
  const serve = (ws: WebSocket) => {
    clients.add(ws)
    ws.on('close', () => clients.delete(ws))
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as Received
      server.received.push({ ...message, at: Date.now() })
      if (message.type === 'auth') {
        send(ws, { type: 'welcome', role: 'anon', expires_at: null, heartbeat_ms: heartbeatMs })
      } else if (message.type === 'subscribe') {
        const { id, seq, rows } = server.feed
        if (message.resume?.feed === id && message.resume.seq === seq) {
          send(ws, { type: 'resumed', id: message.id, feed: id, seq })
        } else {
          send(ws, { type: 'snapshot', id: message.id, feed: id, seq, key: ['id'], rows })
        }
        send(ws, { type: 'state', id: message.id, state: 'live', seq })
      }
    })
  }
  const heartbeat = setInterval(() => {
    for (const ws of clients) send(ws, { type: 'heartbeat', at: Date.now() })
  }, heartbeatMs)

  if (listening) {
    await server.up()
  } else {
    // a port nobody listens on yet: take a free one and let it go
    await server.up()
    await server.down()
  }
  t.teardown(() => server.close())
  return server
}
