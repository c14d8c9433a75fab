// Load generator for bench/auth/run.ts, in its own process so that it never competes with the
// server's event loop for JavaScript time: N keep-alive HTTP/1.1 connections over raw sockets,
// one request in flight on each. Input: a JSON file named by the argument; output: one JSON line.
//   { mode: 'signin' | 'refresh' | 'get', host, port, connections, seconds, ... }
//   signin:  emails[], password          POST /auth/v1/token?grant_type=password
//   refresh: refreshTokens[] (one per connection, each connection follows its own chain)
//   get:     path, apikey, tokens[] (optional; request i uses tokens[i % n] as its bearer),
//            padding (optional; sent as an x-padding header)
import { readFileSync } from 'node:fs'
import net from 'node:net'
import { responseReader } from '../lib/http-responses.mjs'

const opts = JSON.parse(readFileSync(process.argv[2], 'utf8'))

function post(path, body) {
  const json = JSON.stringify(body)
  return Buffer.from(
    `POST ${path} HTTP/1.1\r\nHost: ${opts.host}\r\napikey: ${opts.apikey}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(json)}\r\nConnection: keep-alive\r\n\r\n${json}`,
  )
}

function get(path, token) {
  const auth = token ? `Authorization: Bearer ${token}\r\n` : ''
  const key = opts.apikey ? `apikey: ${opts.apikey}\r\n` : ''
  const padding = opts.padding ? `x-padding: ${opts.padding}\r\n` : ''
  return Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${opts.host}\r\n${key}${auth}${padding}Connection: keep-alive\r\n\r\n`)
}

const latencies = []
let ok = 0
let failed = 0
let counter = 0
const deadline = performance.now() + opts.seconds * 1000

function connection(index) {
  return new Promise((resolve) => {
    const socket = net.connect(opts.port, opts.host)
    socket.setNoDelay(true)
    let refreshToken = opts.refreshTokens?.[index]
    let started = 0
    const next = () => {
      if (performance.now() >= deadline) {
        socket.end()
        return resolve()
      }
      started = performance.now()
      const i = counter++
      if (opts.mode === 'signin') {
        socket.write(post('/auth/v1/token?grant_type=password', { email: opts.emails[i % opts.emails.length], password: opts.password }))
      } else if (opts.mode === 'refresh') {
        socket.write(post('/auth/v1/token?grant_type=refresh_token', { refresh_token: refreshToken }))
      } else {
        socket.write(get(opts.path, opts.tokens?.length ? opts.tokens[i % opts.tokens.length] : undefined))
      }
    }
    socket.on(
      'data',
      responseReader((status, body) => {
        latencies.push(performance.now() - started)
        if (status === 200) {
          ok++
          if (opts.mode === 'refresh') refreshToken = JSON.parse(String(body)).refresh_token
        } else {
          failed++
          if (failed <= 3) process.stderr.write(`status ${status}: ${String(body ?? '').slice(0, 200)}\n`)
        }
        next()
      }),
    )
    socket.on('error', (error) => {
      process.stderr.write(`socket error: ${error.message}\n`)
      resolve()
    })
    socket.on('connect', next)
  })
}

const begin = performance.now()
await Promise.all(Array.from({ length: opts.connections }, (_, i) => connection(i)))
const elapsed = (performance.now() - begin) / 1000
latencies.sort((a, b) => a - b)
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0
process.stdout.write(JSON.stringify({ rps: ok / elapsed, ok, failed, p50: pct(0.5), p99: pct(0.99) }) + '\n')
