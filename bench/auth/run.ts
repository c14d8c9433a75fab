// Auth benchmark: password sign-ins/s and refresh-token grants/s through /auth/v1, and REST
// requests/s without a JWT, without one but with a header as long as the token (the control: it
// separates verification from carrying the bytes), with one repeated JWT, and with a fresh JWT on
// every request (the worst case for verification), and the CPU of verification itself per
// request. Starts its own throwaway cluster and hub.
// Run: node --conditions=@pgstack/source --import tsx bench/auth/run.ts
// Env: SECONDS (default 10), LOG_N (scrypt cost, default 15 = the production default),
//      SIGNIN_CONNECTIONS (default 8), CONNECTIONS (refresh and REST, default 32).
import { spawn } from 'node:child_process'
import { randomBytes, randomUUID, scrypt } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { SignJWT } from 'jose'
import { TokenVerifier } from '@pgstack/common'
import { startBenchCluster } from '../lib/bench-cluster.ts'
import { startBenchHub } from '../lib/bench-hub.ts'

const SECONDS = Number(process.env.SECONDS ?? 10)
const LOG_N = Number(process.env.LOG_N ?? 15)
const SIGNIN_CONNECTIONS = Number(process.env.SIGNIN_CONNECTIONS ?? 8)
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 32)
const USERS = 200
const PASSWORD = 'bench-password-1'
const LOAD = join(import.meta.dirname, 'load.mjs')

interface LoadResult {
  rps: number
  ok: number
  failed: number
  p50: number
  p99: number
  /** CPU time of this process (the hub: JS, libuv threads) per successful request, in µs. */
  cpuUs: number
}

function load(options: Record<string, unknown>): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    // Options go through a file: a token list is far past the argument size limit.
    const file = join(root, `load-${Date.now()}.json`)
    writeFileSync(file, JSON.stringify(options))
    const child = spawn(process.execPath, [LOAD, file], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString()))
    const cpu = process.cpuUsage()
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`load.mjs exited ${code}`))
      const used = process.cpuUsage(cpu)
      const result = JSON.parse(out) as LoadResult
      result.cpuUs = (used.user + used.system) / Math.max(1, result.ok)
      resolve(result)
    })
  })
}

const bench = await startBenchCluster('auth')
const { cluster, root } = bench
let closeHub: (() => Promise<void>) | undefined
try {
  const { hub, secret, anonKey } = await startBenchHub(cluster, {
    PGSTACK_DB_POOL_SIZE: String(CONNECTIONS),
    PGSTACK_AUTH_SCRYPT_LOG_N: String(LOG_N),
    // Limits off: this measures the work, not the limiter refusing it.
    PGSTACK_AUTH_RATE_LIMIT_SIGN_IN: '0',
    PGSTACK_AUTH_RATE_LIMIT_TOKEN_REFRESH: '0',
  })
  closeHub = () => hub.close()
  const base = { host: '127.0.0.1', port: hub.port, apikey: anonKey, seconds: SECONDS }

  // Users: one sign-up through the API for a real hash, then copies of it (hashing 200 would take long).
  const signUp = await fetch(`${hub.url}/auth/v1/signup`, {
    method: 'POST',
    headers: { apikey: anonKey, 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'u0@bench.test', password: PASSWORD }),
  })
  if (!signUp.ok) throw new Error(`sign-up failed: ${signUp.status} ${await signUp.text()}`)
  const db = new pg.Client({ connectionString: cluster.adminUrl('bench') })
  await db.connect()
  const [{ encrypted_password: hash }] = (await db.query("SELECT encrypted_password FROM auth.users WHERE email = 'u0@bench.test'")).rows
  for (let i = 1; i < USERS; i++) {
    const id = randomUUID()
    await db.query(
      `INSERT INTO auth.users (id, email, encrypted_password, email_confirmed_at, raw_app_meta_data) VALUES ($1, $2, $3, now(), '{"provider":"email","providers":["email"]}')`,
      [id, `u${i}@bench.test`, hash],
    )
  }
  const emails = Array.from({ length: USERS }, (_, i) => `u${i}@bench.test`)

  // One hash with the server's parameters (scrypt N = 2^LOG_N, r = 8, p = 1), timed alone.
  const hashStart = performance.now()
  const hashCpu = process.cpuUsage()
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve, reject) =>
      scrypt(PASSWORD, randomBytes(16), 32, { N: 2 ** LOG_N, r: 8, p: 1, maxmem: 512 * 2 ** LOG_N * 8 }, (e, k) => (e ? reject(e) : resolve(k))),
    )
  }
  const hashMs = (performance.now() - hashStart) / 5
  const hashCpuMs = ((u) => (u.user + u.system) / 1000 / 5)(process.cpuUsage(hashCpu))

  // JWT verification alone, as every API does it (the hub's one TokenVerifier): a token seen before (a map lookup), a new HS256
  // token (one HMAC), and jose's verify (the path of other algorithms), in CPU µs per call.
  const verifyKey = new TextEncoder().encode(secret)
  const tokens = await Promise.all(
    Array.from({ length: 20_000 }, (_, n) =>
      new SignJWT({ sub: randomUUID(), role: 'authenticated', aud: 'authenticated', n }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt().setExpirationTime('1h').sign(verifyKey),
    ),
  )
  const cpuPerCall = async (calls: number, call: (i: number) => unknown): Promise<number> => {
    let used = { user: 0, system: 0 }
    for (const pass of ['warm-up', 'measured']) {
      const before = process.cpuUsage()
      for (let i = 0; i < calls; i++) {
        const result = call(i)
        if (result instanceof Promise) await result // a sync answer is not made to wait a microtask
      }
      if (pass === 'measured') used = process.cpuUsage(before)
    }
    return (used.user + used.system) / calls
  }
  const { jwtVerify } = await import('jose')
  const authenticator = new TokenVerifier({ secret })
  const joseUs = await cpuPerCall(tokens.length, (i) => jwtVerify(tokens[i]!, verifyKey))
  // Headers as a request brings them: a fresh flat string per request, even for the same token.
  const headersOf = (token: string) => ({ authorization: Buffer.from(`Bearer ${token}`).toString() })
  const newTokenHeaders = tokens.map(headersOf)
  const knownTokenHeaders = tokens.map(() => headersOf(tokens[0]!))
  const newTokenUs = await cpuPerCall(tokens.length, (i) => authenticator.authenticate(newTokenHeaders[i]!))
  const knownTokenUs = await cpuPerCall(tokens.length, (i) => authenticator.authenticate(knownTokenHeaders[i]!))

  await load({ ...base, mode: 'signin', connections: SIGNIN_CONNECTIONS, seconds: 2, emails, password: PASSWORD })
  const signin = await load({ ...base, mode: 'signin', connections: SIGNIN_CONNECTIONS, emails, password: PASSWORD })

  // One session per connection; each connection then follows its own rotation chain.
  const sessions: { refresh_token: string; access_token: string }[] = []
  for (let i = 0; i < CONNECTIONS; i++) {
    const res = await fetch(`${hub.url}/auth/v1/token?grant_type=password`, {
      method: 'POST',
      headers: { apikey: anonKey, 'content-type': 'application/json' },
      body: JSON.stringify({ email: emails[i % USERS], password: PASSWORD }),
    })
    sessions.push((await res.json()) as { refresh_token: string; access_token: string })
  }
  const refresh = await load({ ...base, mode: 'refresh', connections: CONNECTIONS, refreshTokens: sessions.map((s) => s.refresh_token) })

  // REST: a small table readable by anon and authenticated, no RLS, to isolate the JWT's cost.
  await db.query(`CREATE TABLE public.items (id int PRIMARY KEY, name text NOT NULL)`)
  await db.query(`INSERT INTO public.items SELECT g, 'item ' || g FROM generate_series(1, 1000) g`)
  await db.query(`NOTIFY pgrst, 'reload schema'`)
  await db.end()
  const path = '/rest/v1/items?id=eq.42&select=id,name'
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${hub.url}${path}`, { headers: { apikey: anonKey } })
    await res.arrayBuffer()
    if (res.ok) break
    await new Promise((r) => setTimeout(r, 50))
  }
  const key = new TextEncoder().encode(secret)
  const sub = randomUUID()
  const fresh: string[] = []
  for (let i = 0; i < 60_000; i++) {
    fresh.push(
      await new SignJWT({ sub, role: 'authenticated', aud: 'authenticated', session_id: randomUUID(), n: i })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(key),
    )
  }
  const restBase = { ...base, mode: 'get', connections: CONNECTIONS, path }
  await load({ ...restBase, apikey: '', seconds: 2 })
  // Interleaved rounds, medians: on a shared machine the noise between runs exceeds the effect.
  const rounds: Record<'none' | 'sized' | 'same' | 'each', LoadResult[]> = { none: [], sized: [], same: [], each: [] }
  const roundSeconds = Math.max(3, Math.round(SECONDS / 2))
  // The control for "one repeated JWT": no token, but a header as long as its Authorization.
  const padding = 'p'.repeat(`Bearer ${sessions[0]!.access_token}`.length)
  for (let round = 0; round < 3; round++) {
    rounds.none.push(await load({ ...restBase, apikey: '', seconds: roundSeconds }))
    rounds.sized.push(await load({ ...restBase, apikey: '', seconds: roundSeconds, padding }))
    rounds.same.push(await load({ ...restBase, apikey: '', seconds: roundSeconds, tokens: [sessions[0]!.access_token] }))
    rounds.each.push(await load({ ...restBase, apikey: '', seconds: roundSeconds, tokens: fresh.slice(round * 20_000, (round + 1) * 20_000) }))
  }
  const median = (list: LoadResult[]): LoadResult => {
    const by = (key: 'rps' | 'cpuUs' | 'p50' | 'p99') => [...list].sort((a, b) => a[key] - b[key])[1]![key]
    return { rps: by('rps'), cpuUs: by('cpuUs'), p50: by('p50'), p99: by('p99'), ok: list.reduce((n, r) => n + r.ok, 0), failed: list.reduce((n, r) => n + r.failed, 0) }
  }
  const none = median(rounds.none)
  const sized = median(rounds.sized)
  const same = median(rounds.same)
  const each = median(rounds.each)

  const fmt = (r: LoadResult) =>
    `${r.rps.toFixed(0).padStart(6)} req/s, hub CPU ${r.cpuUs.toFixed(0).padStart(5)} µs/req  (p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, ${r.failed} failed)`
  const cpuBase = none.cpuUs
  const baseline = none.rps
  console.log(`\nAuth bench (${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}, ${SECONDS}s per run, scrypt ln=${LOG_N} r=8 p=1 = ${(2 ** LOG_N * 128 * 8) / 1048576} MiB, one hash ${hashMs.toFixed(1)} ms wall, ${hashCpuMs.toFixed(1)} ms CPU):`)
  console.log(`  password sign-ins  (${SIGNIN_CONNECTIONS} conns):  ${fmt(signin)}`)
  console.log(`  refresh grants     (${CONNECTIONS} conns): ${fmt(refresh)}`)
  console.log(`  REST GET by id, no JWT (anon):        ${fmt(none)}  (medians of 3 interleaved rounds of ${roundSeconds}s)`)
  console.log(`  REST GET by id, no JWT, header of the token's size: ${fmt(sized)}`)
  console.log(`  REST GET by id, one repeated JWT:     ${fmt(same)}  (throughput ${((1 - same.rps / baseline) * 100).toFixed(1)}% below no-JWT, ${((1 - same.rps / sized.rps) * 100).toFixed(1)}% below the same-size header; CPU ${(((same.cpuUs - cpuBase) / cpuBase) * 100).toFixed(1)}%, ${(((same.cpuUs - sized.cpuUs) / sized.cpuUs) * 100).toFixed(1)}%)`)
  console.log(`  REST GET by id, fresh JWT each time:  ${fmt(each)}  (throughput ${((1 - each.rps / baseline) * 100).toFixed(1)}% below no-JWT; CPU ${(((each.cpuUs - cpuBase) / cpuBase) * 100).toFixed(1)}%)`)
  const share = (us: number) => `${((us / cpuBase) * 100).toFixed(1)}% of a no-JWT request's hub CPU`
  console.log(`  verification per request (CPU):  token seen before ${knownTokenUs.toFixed(2)} µs (${share(knownTokenUs)}); new HS256 token ${newTokenUs.toFixed(1)} µs (${share(newTokenUs)}); jose verify ${joseUs.toFixed(1)} µs (other algorithms)`)
} finally {
  await closeHub?.()
  await bench.dispose()
}
