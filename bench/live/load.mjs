// Load generator for bench/live/run.ts, in its own process so it never shares the hub's event
// loop: N WebSocket subscribers (the `ws` package), a writer at a fixed rate on its own
// connection, and commit → client latency measured on a sample of the subscribers (the writer's
// commit acknowledgement and the delta's arrival are timed on the same clock, in this process).
// Driven over IPC by run.ts: 'connect' → {ready}, 'go' → {result}.
import WebSocket from 'ws'
import pg from 'pg'
import { SignJWT } from 'jose'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import net from 'node:net'
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
const loopDelay = monitorEventLoopDelay({ resolution: 5 })

const cfg = JSON.parse(process.argv[2])
// cfg: { wsUrl, adminUrl, scenario: 'shared'|'rls', clients, sample, rate, seconds, token, secret }
const now = () => performance.now()
const pending = new Map() // `${id}:${n}` → commit ack time
const latencies = []
let messages = 0
let counting = false

function onSampled(data) {
  const m = JSON.parse(data)
  if (m.type !== 'delta') return
  if (counting) messages++
  const t = now()
  for (const op of m.ops) {
    if (!op.row) continue
    const key = `${op.row.id}:${op.row.n}`
    const at = pending.get(key)
    if (at !== undefined && counting) latencies.push(t - at)
    const f = firstSeen.get(key)
    if (f === undefined) firstSeen.set(key, t)
    else if (counting) spread.push(t - f)
  }
}
const firstSeen = new Map()
const spread = []
function onCounted() {
  if (counting) messages++
}

async function tokenFor(i) {
  if (cfg.scenario !== 'rls') return cfg.token
  const key = Buffer.from(cfg.secret)
  return new SignJWT({ role: 'authenticated', sub: `u${i}` })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(key)
}

const sockets = []

/** A client frame: masked with a zero key, so the payload goes as is. */
function frame(text) {
  const payload = Buffer.from(text)
  const head = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length]) : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 255])
  return Buffer.concat([head, Buffer.alloc(4), payload])
}

/**
 * The subscribers whose latency is not sampled: raw TCP, a minimal WebSocket frame reader that
 * only counts frames once live (answers pings), so that the generator keeps up at 100k
 * deliveries/s where the `ws` package would not.
 */
function openRaw(token, subscribe) {
  return new Promise((resolve, reject) => {
    const url = new URL(cfg.wsUrl)
    const socket = net.connect(Number(url.port), url.hostname)
    socket.setNoDelay(true)
    let buf = Buffer.alloc(0)
    let upgraded = false
    let live = false
    socket.on('error', reject)
    socket.on('connect', () => {
      socket.write(`GET /live/v1?apikey=${token} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`)
    })
    socket.on('data', (chunk) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n')
        if (end < 0) return
        if (!buf.subarray(0, 12).toString().includes('101')) return reject(new Error(buf.toString()))
        upgraded = true
        buf = buf.subarray(end + 4)
        socket.write(frame(subscribe))
      }
      for (;;) {
        if (buf.length < 2) return
        let len = buf[1] & 127
        let off = 2
        if (len === 126) {
          if (buf.length < 4) return
          len = buf.readUInt16BE(2)
          off = 4
        } else if (len === 127) {
          if (buf.length < 10) return
          len = Number(buf.readBigUInt64BE(2))
          off = 10
        }
        if (buf.length < off + len) return
        const opcode = buf[0] & 15
        if (opcode === 9) socket.write(Buffer.from([0x8a, 0x80, 0, 0, 0, 0]))
        else if (!live) {
          const text = buf.subarray(off, off + len).toString()
          if (text.includes('"state":"live"')) {
            live = true
            sockets.push(socket)
            resolve()
          } else if (text.includes('"type":"error"')) reject(new Error(text))
        } else if (buf.toString('latin1', off, off + 14) === '{"type":"delta') onCounted()
        buf = buf.subarray(off + len)
      }
    })
  })
}

async function openOne(i) {
  const token = await tokenFor(i)
  const sampled = !cfg.extra && (cfg.scenario === 'rls' || i % Math.max(1, Math.round((to - from) / cfg.sample)) === 0)
  const subscribe = JSON.stringify({ type: 'subscribe', id: 'q', query: cfg.scenario === 'rls' ? 'mine' : 'items' })
  if (!sampled) return openRaw(token, subscribe)
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${cfg.wsUrl}/live/v1?apikey=${token}`, { perMessageDeflate: false })
    ws.on('error', reject)
    ws.once('open', () => ws.send(subscribe))
    const first = (data) => {
      const text = String(data)
      if (text.includes('"state":"live"')) {
        ws.off('message', first)
        ws.on('message', onSampled)
        sockets.push(ws)
        resolve()
      } else if (text.includes('"type":"error"')) reject(new Error(text))
    }
    ws.on('message', first)
  })
}

// Clients [from, to) of the scenario are this process's; only the first process (`extra` false)
// has sampled clients and the writer, the others only count deliveries.
const from = cfg.from ?? 0
const to = cfg.to ?? cfg.clients

async function connectAll() {
  const batch = 250
  for (let i = from; i < to; i += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, to - i) }, (_, k) => openOne(i + k)))
  }
}

/** A counting-only process: the same window as the writer's, no writes. */
async function count() {
  const cpu0 = process.cpuUsage()
  const start = now()
  counting = true
  await new Promise((r) => setTimeout(r, cfg.seconds * 1000 + 1000))
  counting = false
  const elapsed = (now() - start) / 1000
  const cpu = process.cpuUsage(cpu0)
  return { deliveriesPerSecond: messages / elapsed, loadCpuPercent: ((cpu.user + cpu.system) / 1000 / (elapsed * 1000)) * 100 }
}

async function write() {
  const db = new pg.Client({ connectionString: cfg.adminUrl })
  await db.connect()
  const rows = cfg.scenario === 'rls' ? cfg.clients : 100
  const table = cfg.scenario === 'rls' ? 'note' : 'item'
  // pg_reactive's share of the latency: commit → NOTIFY received by a plain LISTEN connection
  const listen = new pg.Client({ connectionString: cfg.adminUrl })
  await listen.connect()
  await listen.query('LISTEN pgr')
  const notifyLat = []
  listen.on('notification', (n) => {
    const t = now()
    try {
      const m = JSON.parse(n.payload)
      for (const op of m.ops ?? []) {
        const at = pending.get(`${op.row.id}:${op.row.n}`)
        if (at !== undefined && counting) notifyLat.push(t - at)
      }
    } catch {
      // not a delta payload
    }
  })
  const interval = 1000 / cfg.rate
  const start = now()
  const cpu0 = process.cpuUsage()
  counting = true
  loopDelay.enable()
  let sent = 0
  while (now() - start < cfg.seconds * 1000) {
    const due = start + sent * interval
    if (due > now()) await new Promise((r) => setTimeout(r, due - now()))
    const id = cfg.scenario === 'rls' ? sent % rows : 1 + Math.floor(Math.random() * rows)
    sent++
    const { rows: out } = await db.query(`UPDATE ${table} SET n = n + 1 WHERE id = $1 RETURNING n`, [id])
    pending.set(`${id}:${out[0].n}`, now())
  }
  await new Promise((r) => setTimeout(r, 1000)) // let the last deltas land
  counting = false
  const elapsed = (now() - start) / 1000
  const cpu = process.cpuUsage(cpu0)
  await db.end()
  await listen.end()
  notifyLat.sort((a, b) => a - b)
  const nq = (p) => notifyLat[Math.min(notifyLat.length - 1, Math.floor(p * notifyLat.length))] ?? NaN
  latencies.sort((a, b) => a - b)
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN
  return {
    writes: sent,
    samples: latencies.length,
    p50: q(0.5),
    p95: q(0.95),
    p99: q(0.99),
    max: latencies.at(-1) ?? NaN,
    deliveriesPerSecond: messages / elapsed,
    notifyP50: nq(0.5),
    loopDelayP99: loopDelay.percentile(99) / 1e6,
    spreadP50: (spread.sort((a, b) => a - b), spread[Math.floor(spread.length / 2)] ?? NaN),
    spreadP99: spread[Math.floor(spread.length * 0.99)] ?? NaN,
    notifyP99: nq(0.99),
    loadCpuPercent: ((cpu.user + cpu.system) / 1000 / (elapsed * 1000)) * 100,
  }
}

process.on('message', async (msg) => {
  try {
    if (msg === 'connect') {
      const t0 = now()
      await connectAll()
      process.send({ ready: true, connectSeconds: (now() - t0) / 1000 })
    } else if (msg === 'go') {
      const result = cfg.extra ? await count() : await write()
      for (const ws of sockets) {
        if (ws.terminate) ws.terminate()
        else ws.destroy()
      }
      process.send({ result })
      setTimeout(() => process.exit(0), 100)
    }
  } catch (error) {
    process.send({ error: String(error?.stack ?? error) })
    process.exit(1)
  }
})
