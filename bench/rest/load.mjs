// Load generator for bench/rest/run.ts, run in its own process so that it never competes with
// the server's event loop: N keep-alive HTTP/1.1 connections, one request in flight on each
// (like pgbench's clients), raw sockets to keep the generator's own cost low.
// Usage: node load.mjs <host> <port> <connections> <seconds> <apikey> <maxId>
//        node load.mjs get <host> <port> <path> <apikey>   (one request, body discarded)
import net from 'node:net'
import { responseReader } from '../lib/http-responses.mjs'

function request(path, host, apikey) {
  return Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\napikey: ${apikey}\r\nConnection: keep-alive\r\n\r\n`)
}

async function load(host, port, connections, seconds, apikey, maxId) {
  let ok = 0
  let failed = 0
  const latencies = []
  const deadline = Date.now() + seconds * 1000
  await Promise.all(
    Array.from({ length: connections }, () => new Promise((resolve) => {
      const socket = net.connect(port, host)
      socket.setNoDelay(true)
      let started = 0
      const send = () => {
        if (Date.now() >= deadline) return socket.end(resolve)
        started = performance.now()
        socket.write(request(`/rest/v1/items?id=eq.${1 + Math.floor(Math.random() * maxId)}`, host, apikey))
      }
      socket.on('data', responseReader((status) => {
        if (status === 200) ok++
        else failed++
        if (latencies.length < 200000) latencies.push(performance.now() - started)
        send()
      }))
      socket.on('error', () => resolve())
      socket.on('connect', send)
    })),
  )
  latencies.sort((a, b) => a - b)
  const p = (q) => latencies[Math.floor(q * (latencies.length - 1))] ?? 0
  return { ok, failed, tps: ok / seconds, p50: p(0.5), p99: p(0.99) }
}

async function getOnce(host, port, path, apikey) {
  const started = performance.now()
  let bytes = 0
  await new Promise((resolve, reject) => {
    const socket = net.connect(port, host, () => socket.write(Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\napikey: ${apikey}\r\nConnection: close\r\n\r\n`)))
    socket.on('data', (c) => { bytes += c.length })
    socket.on('end', resolve)
    socket.on('error', reject)
  })
  return { bytes, ms: performance.now() - started }
}

const [mode, ...args] = process.argv.slice(2)
let result
if (mode === 'get') result = await getOnce(args[0], Number(args[1]), args[2], args[3])
else result = await load(mode, Number(args[0]), Number(args[1]), Number(args[2]), args[3], Number(args[4]))
process.stdout.write(JSON.stringify(result))
