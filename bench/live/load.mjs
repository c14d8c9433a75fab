// Load generator for bench/live/run.ts, never in the hub's process. run.ts forks one `lead` and,
// for the shared scenarios, one or more `counter` processes:
//   lead     the writer (a fixed rate on its own connection) and the latency-sampled subscribers,
//            every message parsed; commit → client is timed on one clock, here, and this loop
//            carries nothing else, so its delay is not added to the figure
//   counter  the other subscribers, which only count the delta frames by their first bytes
// Both are raw TCP WebSocket clients reading into one shared buffer (`onread`), not the `ws`
// package: at 100,000 deliveries/s its per-message work would be the bottleneck.
// Driven over IPC: {type:'connect', round, rounds} → {ready}; {type:'go'} (lead → {result} once
// the writes are done and have landed); {type:'stop'} (counter → {result} once its deltas have
// stopped coming), then each closes its sockets and exits.
import pg from 'pg'
import { SignJWT } from 'jose'
import net from 'node:net'
import { randomBytes } from 'node:crypto'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'

const cfg = JSON.parse(process.argv[2])
// cfg: { role: 'lead'|'counter', ids: number[], wsUrl, adminUrl, scenario: 'shared'|'rls'|'user'|'room',
//        clients, rate, seconds, token, secret, groups, table }
//   user  each subscriber a user of its own (claims sub = its owner), the same top-25 query under a
//         policy owner = sub; each write moves a random row of a random subscribed owner to the top
//   room  one security context, `… WHERE owner = $1 ORDER BY seq DESC LIMIT 25` with params [room],
//         subscriber i in room i % groups; each write moves a random row of a random room to the top
const now = () => performance.now()
/** Milliseconds since the epoch at sub-millisecond resolution: comparable across the processes. */
const wallNow = () => performance.timeOrigin + performance.now()
const loopDelay = monitorEventLoopDelay({ resolution: 5 })
const sockets = []
let counting = false
let delivered = 0 // delta frames received while counting
let others = 0 // other frames while counting, heartbeats aside (a resync would show here)
let firstAt = NaN
let lastAt = NaN
let closedByHub = 0

function noteDelta() {
  if (!counting) return
  delivered++
  lastAt = wallNow()
  if (Number.isNaN(firstAt)) firstAt = lastAt
}

/** The owner (user) or room subscriber i watches, in the user and room scenarios. */
const groupOf = (i) => i % cfg.groups

async function tokenFor(i) {
  if (cfg.scenario !== 'rls' && cfg.scenario !== 'user') return cfg.token
  return new SignJWT({ role: 'authenticated', sub: cfg.scenario === 'user' ? String(groupOf(i)) : `u${i}` })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(Buffer.from(cfg.secret))
}

const QUERIES = { rls: 'mine', shared: 'items', user: `${cfg.table}_top`, room: `${cfg.table}_room` }
const subscribeFor = (i) =>
  JSON.stringify({ type: 'subscribe', id: 'q', query: QUERIES[cfg.scenario], params: cfg.scenario === 'room' ? [groupOf(i)] : [] })

// ---- lead: sampled subscribers and the writer ----

// A write's row (id, n) is known only from its answer, and its delta can reach a subscriber (or the
// LISTEN connection) before that answer reaches this loop: such an arrival waits in `early` for
// the answer. Every delivery is timed from the moment its write was sent — an upper bound on
// commit → client by the UPDATE's own round trip, reported beside it (`writeP50`/`writeP99`).
const pending = new Map() // `${id}:${n}` → time the write was sent
const early = new Map() // `${id}:${n}` → [arrival time, the list its latency goes to] before the answer
const latencies = []
let lastSampleAt = 0

/** A delta for key arrived at t: its latency into `into`, now or once the write's answer is in. */
function timeArrival(key, t, into) {
  const at = pending.get(key)
  if (at !== undefined) into.push(t - at)
  else if (early.has(key)) early.get(key).push([t, into])
  else early.set(key, [[t, into]])
}

/** The write sent at `sentAt` changed key: time the deliveries that came before its answer. */
function answered(key, sentAt) {
  pending.set(key, sentAt)
  for (const [t, into] of early.get(key) ?? []) into.push(t - sentAt)
  early.delete(key)
}
const firstSeen = new Map() // `${id}:${n}` → first arrival among the sampled clients
const spread = []

function onSampled(text, t) {
  const m = JSON.parse(text)
  if (m.type !== 'delta') {
    if (counting && m.type !== 'heartbeat') others++
    return
  }
  noteDelta()
  for (const op of m.ops) {
    if (!op.row) continue
    const key = `${op.row.id}:${op.row.n}`
    if (counting) {
      timeArrival(key, t, latencies)
      lastSampleAt = t
    }
    const f = firstSeen.get(key)
    if (f === undefined) firstSeen.set(key, t)
    else if (counting) spread.push(t - f)
  }
}

/**
 * Reads of the sampled sockets, stamped as they come off the kernel and parsed after the batch:
 * five hundred sockets ready at once would otherwise stamp the last one after parsing all the
 * others, and that parsing time is the generator's, not the hub's.
 */
let inbox = []
function sample(reader, chunk) {
  inbox.push(now(), reader, Buffer.from(chunk)) // copied: `shared` is reused
  if (inbox.length === 3) setImmediate(parseInbox)
}
function parseInbox() {
  const batch = inbox
  inbox = []
  for (let i = 0; i < batch.length; i += 3) {
    const t = batch[i]
    const reader = batch[i + 1]
    for (const { opcode, payload } of reader.push(batch[i + 2])) {
      if (opcode === 1) onSampled(payload.toString(), t)
      else if (opcode === 9) reader.socket.write(PONG)
    }
  }
}

const quantile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN

/** One write: its row's id and new n, the pair a delta op is recognised by. */
function writer(db) {
  if (cfg.scenario === 'user' || cfg.scenario === 'room') {
    // a random row of a random subscribed owner (room) becomes its newest
    const groups = Math.min(cfg.groups, cfg.clients)
    const text = `UPDATE ${cfg.table} SET n = n + 1, seq = nextval('${cfg.table}_seq')
                   WHERE id = (SELECT id FROM ${cfg.table} WHERE owner = $1 ORDER BY random() LIMIT 1) RETURNING id, n`
    return async () => (await db.query(text, [Math.floor(Math.random() * groups)])).rows[0]
  }
  const rows = cfg.scenario === 'rls' ? cfg.clients : 100
  const table = cfg.scenario === 'rls' ? 'note' : 'item'
  let sent = 0
  return async () => {
    const id = cfg.scenario === 'rls' ? sent % rows : 1 + Math.floor(Math.random() * rows)
    sent++
    const { rows: out } = await db.query(`UPDATE ${table} SET n = n + 1 WHERE id = $1 RETURNING n`, [id])
    return { id, n: out[0].n }
  }
}

async function write() {
  // a run starts from nothing: the lead may be sent 'go' more than once (run.ts: routing on, then off)
  pending.clear()
  early.clear()
  latencies.length = 0
  firstSeen.clear()
  spread.length = 0
  const db = new pg.Client({ connectionString: cfg.adminUrl })
  await db.connect()
  const writeOne = writer(db)
  // pg_reactive's share of the latency: commit → NOTIFY received by a plain LISTEN connection
  const listen = new pg.Client({ connectionString: cfg.adminUrl })
  await listen.connect()
  await listen.query('LISTEN pgr')
  const notifyLat = []
  const writeLat = [] // each UPDATE's round trip: how far "sent" is before its commit, at most
  listen.on('notification', (n) => {
    const t = now()
    try {
      const m = JSON.parse(n.payload)
      if (counting) for (const op of m.ops ?? []) if (op.row) timeArrival(`${op.row.id}:${op.row.n}`, t, notifyLat)
    } catch {
      // not a delta payload
    }
  })
  const interval = 1000 / cfg.rate
  const start = now()
  const startedAt = wallNow()
  let sent = 0
  while (now() - start < cfg.seconds * 1000) {
    const due = start + sent * interval
    if (due > now()) await new Promise((r) => setTimeout(r, due - now()))
    sent++
    const sentAt = now()
    const { id, n } = await writeOne()
    writeLat.push(now() - sentAt)
    answered(`${id}:${n}`, sentAt)
  }
  const writingSeconds = (now() - start) / 1000
  // let the last deltas land: a second, or (drainSeconds) until none came for a second
  const done = now()
  do await new Promise((r) => setTimeout(r, 100))
  while (now() - done < 1000 || (now() - lastSampleAt < 1000 && now() - done < (cfg.drainSeconds ?? 1) * 1000))
  await db.end()
  await listen.end()
  notifyLat.sort((a, b) => a - b)
  writeLat.sort((a, b) => a - b)
  latencies.sort((a, b) => a - b)
  spread.sort((a, b) => a - b)
  return {
    writes: sent,
    writingSeconds,
    startedAt,
    samples: latencies.length,
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    p99: quantile(latencies, 0.99),
    max: latencies.at(-1) ?? NaN,
    notifyP50: quantile(notifyLat, 0.5),
    notifyP99: quantile(notifyLat, 0.99),
    writeP50: quantile(writeLat, 0.5),
    writeP99: quantile(writeLat, 0.99),
    unanswered: early.size,
    spreadP50: quantile(spread, 0.5),
    spreadP99: quantile(spread, 0.99),
  }
}

// ---- the subscribers: raw TCP, one shared read buffer ----

/** A client frame: masked with a zero key, so the payload goes as is. */
function frame(text) {
  const payload = Buffer.from(text)
  const head = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length]) : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 255])
  return Buffer.concat([head, Buffer.alloc(4), payload])
}
const PONG = Buffer.from([0x8a, 0x80, 0, 0, 0, 0])
// `{"type":"delta` — the hub writes `type` first; bytes 9..13 tell the frames apart
const D = 0x64, E = 0x65, L = 0x6c, T = 0x74, A = 0x61, H = 0x68
/** Every subscriber reads into this one buffer and is done with it before the next read. */
const shared = Buffer.allocUnsafe(256 * 1024)

/** Whole server frames out of a byte stream; an unfinished one waits for the next push. */
class FrameReader {
  carry = null
  socket = null // to answer pings
  push(chunk) {
    const buf = this.carry ? Buffer.concat([this.carry, chunk]) : chunk
    this.carry = null
    const out = []
    let i = 0
    while (buf.length - i >= 2) {
      let len = buf[i + 1] & 127
      let off = 2
      if (len === 126) {
        if (buf.length - i < 4) break
        len = buf.readUInt16BE(i + 2)
        off = 4
      } else if (len === 127) {
        if (buf.length - i < 10) break
        len = Number(buf.readBigUInt64BE(i + 2))
        off = 10
      }
      if (buf.length - i < off + len) break
      out.push({ opcode: buf[i] & 15, payload: buf.subarray(i + off, i + off + len) })
      i += off + len
    }
    if (i < buf.length) this.carry = buf.subarray(i)
    return out
  }
}

/**
 * One subscriber. Until it is live its bytes are copied and whole messages read (the handshake,
 * welcome, snapshot, state). Then a sampled one hands each read to `sample`; a counted one only
 * looks at frame headers and the first 14 payload bytes, in place: a frame cut by a read is
 * skipped by length, or, when its head is cut, its few bytes are carried over to the next read.
 */
function openRaw(i, token, sampled) {
  return new Promise((resolve, reject) => {
    const url = new URL(cfg.wsUrl)
    const reader = new FrameReader()
    let live = false
    let upgraded = false
    let head = null // the HTTP response so far
    let carry = null // counted and live: the cut head of a frame
    let skip = 0 // counted and live: payload bytes of a frame already counted, still to come
    const socket = net.connect({
      port: Number(url.port),
      host: url.hostname,
      noDelay: true,
      onread: {
        buffer: shared,
        callback: (n, buf) => {
          if (!live) setup(Buffer.from(buf.subarray(0, n))) // copied: `shared` is reused
          else if (sampled) sample(reader, buf.subarray(0, n))
          else scan(buf, 0, n)
          return true
        },
      },
    })
    reader.socket = socket
    socket.on('error', reject)
    socket.on('close', () => {
      if (live && counting) closedByHub++
    })
    socket.on('connect', () => {
      socket.write(`GET /live/v1?apikey=${token} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`)
    })

    function setup(chunk) {
      if (!upgraded) {
        head = head ? Buffer.concat([head, chunk]) : chunk
        const end = head.indexOf('\r\n\r\n')
        if (end < 0) return
        if (!head.subarray(0, 12).toString().includes('101')) return reject(new Error(head.toString()))
        upgraded = true
        chunk = head.subarray(end + 4)
        head = null
        socket.write(frame(subscribeFor(i)))
      }
      const t = now()
      for (const { opcode, payload } of reader.push(chunk)) {
        if (opcode === 9) socket.write(PONG)
        if (opcode !== 1) continue
        const text = payload.toString()
        if (live) {
          // came in the same read as `live`
          if (sampled) onSampled(text, t)
          else if (text.startsWith('{"type":"delta"')) noteDelta()
        } else if (text.includes('"state":"live"')) {
          live = true
          sockets.push(socket)
          resolve()
        } else if (text.includes('"type":"error"')) return reject(new Error(text))
      }
      // a sampled socket's reader keeps its unfinished frame; a counted one's goes to `scan`
      if (live && !sampled) {
        carry = reader.carry
        reader.carry = null
      }
    }

    function scan(b, i, end) {
      if (skip) {
        const n = Math.min(skip, end - i)
        skip -= n
        i += n
      }
      if (carry && i < end) {
        b = Buffer.concat([carry, b.subarray(i, end)])
        carry = null
        i = 0
        end = b.length
      }
      while (i < end) {
        const avail = end - i
        if (avail < 2) break
        let len = b[i + 1] & 127
        let off = 2
        if (len === 126) {
          if (avail < 4) break
          len = (b[i + 2] << 8) | b[i + 3]
          off = 4
        } else if (len === 127) {
          if (avail < 10) break
          len = Number(b.readBigUInt64BE(i + 2))
          off = 10
        }
        if (avail < off + (len < 14 ? len : 14)) break
        const opcode = b[i] & 15
        const p = i + off
        if (opcode === 1) {
          if (len >= 14 && b[p + 9] === D && b[p + 10] === E && b[p + 11] === L && b[p + 12] === T && b[p + 13] === A) noteDelta()
          else if (counting && b[p + 9] !== H) others++
        } else if (opcode === 9) socket.write(PONG)
        if (avail >= off + len) i += off + len
        else {
          skip = off + len - avail
          i = end
        }
      }
      if (i < end) carry = Buffer.from(b.subarray(i, end)) // copied: `shared` is reused
    }
  })
}

// ---- both ----

async function connectRound(round, rounds) {
  const ids = cfg.ids
  const from = Math.floor((round * ids.length) / rounds)
  const to = Math.floor(((round + 1) * ids.length) / rounds)
  const batch = 250
  for (let k = from; k < to; k += batch) {
    await Promise.all(
      ids.slice(k, Math.min(to, k + batch)).map(async (i) => {
        const token = await tokenFor(i)
        return openRaw(i, token, cfg.role === 'lead')
      }),
    )
  }
}

let cpu0
function beginMeasuring() {
  delivered = 0
  others = 0
  closedByHub = 0
  firstAt = NaN
  lastAt = NaN
  cpu0 = process.cpuUsage()
  loopDelay.reset()
  loopDelay.enable()
  counting = true
  return now()
}
function endMeasuring(start) {
  counting = false
  loopDelay.disable()
  const cpu = process.cpuUsage(cpu0)
  const ms = now() - start
  return {
    delivered,
    others,
    closedByHub,
    firstAt,
    lastAt,
    cpuPercent: ((cpu.user + cpu.system) / 1000 / ms) * 100,
    sysPercent: (cpu.system / 1000 / ms) * 100,
    loopDelayP99: loopDelay.percentile(99) / 1e6,
  }
}

let measuringSince = 0
process.on('message', async (msg) => {
  try {
    if (msg.type === 'connect') {
      await connectRound(msg.round, msg.rounds)
      process.send({ ready: true })
    } else if (msg.type === 'go') {
      measuringSince = beginMeasuring()
      if (cfg.role !== 'lead') return
      const written = await write()
      // the sockets stay open until 'stop': closing them would drop the feed before run.ts reads
      // what the hub sent
      process.send({ result: { ...written, ...endMeasuring(measuringSince) } })
    } else if (msg.type === 'stop') {
      if (cfg.role === 'lead') return finish(null)
      // deltas still on their way (a busy machine) are counted: stop once none came for 500 ms
      const until = now() + 10_000
      const quiet = () => Number.isNaN(lastAt) || wallNow() - lastAt > 500
      while (!quiet() && now() < until) await new Promise((r) => setTimeout(r, 100))
      finish(endMeasuring(measuringSince))
    }
  } catch (error) {
    process.send({ error: String(error?.stack ?? error) })
    process.exit(1)
  }
})

function finish(result) {
  for (const s of sockets) {
    if (s.terminate) s.terminate()
    else s.destroy()
  }
  if (result) process.send({ result })
  setTimeout(() => process.exit(0), 100)
}
