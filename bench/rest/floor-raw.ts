// floor-server.ts with the wire protocol written by hand instead of node-postgres (FLOOR=raw in
// bench/rest/run.ts): raw unix sockets (the bench cluster trusts local connections), the two
// statements parsed once per connection, each request's Bind/Execute/Bind/Execute/Sync written
// into one buffer per batch, DataRows read in place. It answers how much of the floor is the
// client library: measured, ~10% of the server's CPU and none of the ratio (rest/README.md).
// Only what this one request needs: no TLS, no auth beyond trust, errors printed, not answered.
// Env: FLOOR_SOCKET (the server's socket file), PORT, POOL, FLOOR_SETTINGS_SQL, FLOOR_ITEM_SQL,
// FLOOR_CLAIMS. Prints "listening" once it listens.
import net from 'node:net'
import { env, ITEM_SQL, serveItems, SETTINGS_SQL, type ItemRequest } from './floor-http.ts'

const cstring = (s: string) => Buffer.from(`${s}\0`)
const int16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff])
const int32 = (n: number) => {
  const b = Buffer.allocUnsafe(4)
  b.writeInt32BE(n)
  return b
}
/** A frontend message: type byte, length, body. */
const message = (type: string, body: Buffer) => Buffer.concat([Buffer.from(type, 'latin1'), int32(body.length + 4), body])
const EXECUTE = message('E', Buffer.concat([cstring(''), int32(0)]))
const SYNC = message('S', Buffer.alloc(0))

/** Bind of the unnamed portal to `statement`, text parameters and results, in one allocation. */
function bind(statement: string, values: string[]): Buffer {
  let size = 1 + 4 + 1 + statement.length + 1 + 2 + 2 + 2
  for (const v of values) size += 4 + Buffer.byteLength(v)
  const b = Buffer.allocUnsafe(size)
  let at = b.write('B', 0, 'latin1')
  at = b.writeInt32BE(size - 1, at)
  at = b.writeUInt8(0, at)
  at += b.write(statement, at, 'latin1')
  at = b.writeUInt8(0, at)
  at = b.writeInt16BE(0, at)
  at = b.writeInt16BE(values.length, at)
  for (const v of values) {
    const n = b.write(v, at + 4)
    b.writeInt32BE(n, at)
    at += 4 + n
  }
  b.writeInt16BE(0, at)
  return b
}

const idle: Connection[] = []
const backlog: ItemRequest[][] = []

class Connection {
  private readonly socket: net.Socket
  private buffer: Buffer = Buffer.alloc(0)
  private readonly waiting: ItemRequest[] = []
  private rows: string[] = []
  private phase: 'startup' | 'parse' | 'ready' = 'startup'
  readonly ready: Promise<void>
  private onReady!: () => void

  constructor(path: string) {
    this.ready = new Promise((resolve) => (this.onReady = resolve))
    this.socket = net.connect(path)
    this.socket.on('connect', () => {
      const body = Buffer.concat([int32(196608), cstring('user'), cstring('authenticator'), cstring('database'), cstring('bench'), Buffer.from([0])])
      this.socket.write(Buffer.concat([int32(body.length + 4), body]))
    })
    this.socket.on('data', (chunk: Buffer) => this.read(chunk))
  }

  send(batch: ItemRequest[]): void {
    const parts: Buffer[] = []
    for (const r of batch) {
      parts.push(bind('floor_settings', r.settings), EXECUTE, bind('floor_item', [r.id]), EXECUTE, SYNC)
      this.waiting.push(r)
    }
    this.socket.write(Buffer.concat(parts))
  }

  private read(chunk: Buffer): void {
    const b: Buffer = (this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk)
    let at = 0
    while (b.length - at >= 5) {
      const type = b[at]!
      const length = b.readInt32BE(at + 1)
      if (b.length - at < 1 + length) break
      const body = at + 5
      if (type === 0x44 && b.readInt16BE(body) === 3) this.dataRow(b, body + 2)
      else if (type === 0x5a) this.readyForQuery()
      else if (type === 0x45) console.error(`floor-raw: ${b.toString('utf8', body, body + length - 4)}`)
      at += 1 + length
    }
    this.buffer = at === b.length ? Buffer.alloc(0) : b.subarray(at)
  }

  /** The third column (pgrst_body) of the item statement's row. */
  private dataRow(b: Buffer, at: number): void {
    for (let i = 0; i < 2; i++) at += 4 + Math.max(0, b.readInt32BE(at))
    const length = b.readInt32BE(at)
    if (length >= 0) this.rows.push(b.toString('utf8', at + 4, at + 4 + length))
  }

  private readyForQuery(): void {
    if (this.phase === 'startup') {
      this.phase = 'parse'
      const parse = (name: string, text: string) => message('P', Buffer.concat([cstring(name), cstring(text), int16(0)]))
      this.socket.write(Buffer.concat([parse('floor_settings', SETTINGS_SQL), parse('floor_item', ITEM_SQL), SYNC]))
      return
    }
    if (this.phase === 'parse') {
      this.phase = 'ready'
      this.onReady()
      return
    }
    const rows = this.rows
    this.rows = []
    this.waiting.shift()?.answer(rows)
    if (this.waiting.length) return
    const next = backlog.shift()
    if (next) this.send(next)
    else idle.push(this)
  }
}

const connections = Array.from({ length: Number(process.env.POOL ?? 32) }, () => new Connection(env('FLOOR_SOCKET')))
await Promise.all(connections.map((c) => c.ready))
idle.push(...connections)

serveItems((batch) => {
  const connection = idle.pop()
  if (connection) connection.send(batch)
  else backlog.push(batch)
})
