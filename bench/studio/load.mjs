// Load for bench/studio/run.ts, in its own process so that it competes with neither the hub's loop
// nor the browser's: `sockets` WebSockets holding `subscriptions` live subscriptions in all (spread
// over the groups of `group_items`), and a writer updating `rate` random rows a second.
// Driven over IPC: {type:'start'} → {ready} once every subscription has its snapshot;
// {type:'count'} → {count: {writes, deltas}} so far; {type:'stop'} → {result} and exit.
import pg from 'pg'
import WebSocket from 'ws'

const cfg = JSON.parse(process.argv[2]) // { wsUrl, token, adminUrl, sockets, subscriptions, groups, rows, rate }
const sockets = []
let snapshots = 0
let deltas = 0
let writes = 0
let timer

function open(index, count) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${cfg.wsUrl}/live/v1`)
    sockets.push(ws)
    ws.on('error', reject)
    ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token: cfg.token })))
    ws.on('message', (data) => {
      const text = data.toString()
      if (text.startsWith('{"type":"welcome"')) {
        for (let i = 0; i < count; i++) {
          const n = index * count + i
          ws.send(JSON.stringify({ type: 'subscribe', id: `s${n}`, query: 'group_items', params: [n % cfg.groups] }))
        }
        resolve()
      } else if (text.startsWith('{"type":"snapshot"')) snapshots++
      else if (text.startsWith('{"type":"delta"')) deltas++
    })
  })
}

process.on('message', async (message) => {
  if (message.type === 'start') {
    const perSocket = Math.ceil(cfg.subscriptions / cfg.sockets)
    await Promise.all(Array.from({ length: cfg.sockets }, (_, i) => open(i, Math.min(perSocket, cfg.subscriptions - i * perSocket))))
    while (snapshots < cfg.subscriptions) await new Promise((r) => setTimeout(r, 50))
    const db = new pg.Client({ connectionString: cfg.adminUrl })
    await db.connect()
    // A steady rate, one autocommitted UPDATE at a time.
    timer = setInterval(() => {
      writes++
      void db.query('UPDATE item SET n = n + 1 WHERE id = $1', [1 + Math.floor(Math.random() * cfg.rows)]).catch(() => {})
    }, 1000 / cfg.rate)
    process.on('message', async (next) => {
      if (next.type === 'count') return process.send({ count: { writes, deltas } })
      if (next.type !== 'stop') return
      clearInterval(timer)
      await db.end()
      for (const ws of sockets) ws.close()
      process.send({ result: { writes, deltas } }, () => process.exit(0))
    })
    process.send({ ready: true })
  }
})
