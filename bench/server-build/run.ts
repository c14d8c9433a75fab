// The compiled server against the same server from source through tsx (esbuild with keepNames,
// what `npm run dev` and the tests run): start-up time (spawn → /health answering 200, migrations
// already applied) and REST GET /rest/v1/items?id=eq.N throughput at CONNECTIONS keep-alive
// connections, with the server's CPU per request. The two run alternately, in separate processes,
// over one throwaway cluster; the load generator is bench/rest/load.mjs in its own process.
// Run: node --conditions=@pgstack/source --import tsx bench/server-build/run.ts
// Env: STARTS (timed starts per variant, default 7), SECONDS (per throughput run, default 10),
//      ROUNDS (throughput runs per variant, default 3), CONNECTIONS (default 32), ROWS (default 10000)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { freePort } from '@pgstack/infra'
import { signApiKeys } from '@pgstack/hub'
import { startBenchCluster } from '../lib/bench-cluster.ts'

const STARTS = Number(process.env.STARTS ?? 7)
const SECONDS = Number(process.env.SECONDS ?? 10)
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 32)
const ROWS = Number(process.env.ROWS ?? 10000)
const root = join(import.meta.dirname, '..', '..')
const LOAD = join(root, 'bench', 'rest', 'load.mjs')

const VARIANTS = {
  compiled: [join(root, 'scripts', 'start.mjs')],
  tsx: ['--conditions=@pgstack/source', '--import', 'tsx', join(root, 'hub', 'src', 'main.ts')],
} as const
type Variant = keyof typeof VARIANTS

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!
const load = () => loadavg().map((n) => n.toFixed(2)).join(' ')

// The compiled build must be current before anything is timed (npm start would build it first).
const build = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', join(root, 'hub', 'tsconfig.build.json')], { stdio: 'inherit' })
if (build.status !== 0) throw new Error('the build failed')

const bench = await startBenchCluster('server-build', { preloadLibraries: ['pg_reactive'] })
const { cluster } = bench
const secret = randomBytes(36).toString('base64url')
const { anonKey } = await signApiKeys(secret, Math.floor(Date.now() / 1000))
const children = new Set<ChildProcess>()

try {
  const admin = new pg.Client({ connectionString: cluster.adminUrl('postgres') })
  await admin.connect()
  await admin.query('CREATE DATABASE bench')
  await admin.end()

  const env = (port: number) => ({
    PATH: process.env.PATH,
    DATABASE_URL: cluster.socketUrl('authenticator', 'bench'),
    PGSTACK_ADMIN_DATABASE_URL: cluster.adminUrl('bench'),
    PGSTACK_JWT_SECRET: secret,
    PORT: String(port),
    PGSTACK_DB_POOL_SIZE: String(CONNECTIONS),
    PGSTACK_AUTH_SITE_URL: 'https://app.example.com',
    PGSTACK_AUTH_EXTERNAL_URL: 'https://api.example.com/auth/v1',
  })

  /** Starts a variant; resolves with its process once GET /health answers 200, and the time that took. */
  const start = async (variant: Variant) => {
    const port = await freePort()
    const startedAt = performance.now()
    const child = spawn(process.execPath, [...VARIANTS[variant]], { cwd: root, env: env(port), stdio: ['ignore', 'ignore', 'inherit'] })
    children.add(child)
    child.on('exit', () => children.delete(child))
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${variant} exited with ${child.exitCode}`)
      const ok = await fetch(`http://127.0.0.1:${port}/health`).then((res) => res.ok, () => false)
      if (ok) return { child, port, ms: performance.now() - startedAt }
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }
  const stop = (child: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
  const cpuSeconds = (pid: number) => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100 // utime + stime, in clock ticks of 1/100 s
  }
  const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024

  // Start-up: one untimed start each (migrations applied, files in the page cache), then alternate.
  for (const variant of ['compiled', 'tsx'] as const) await stop((await start(variant)).child)
  // The table after the migrations, which create the roles it is granted to.
  const db = new pg.Client({ connectionString: cluster.adminUrl('bench') })
  await db.connect()
  await db.query('CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, qty int NOT NULL)')
  await db.query(`INSERT INTO items SELECT g, 'item ' || g, g % 100 FROM generate_series(1, $1) g`, [ROWS])
  await db.query('GRANT SELECT ON items TO anon')
  await db.query('VACUUM ANALYZE')
  await db.end()
  const startMs: Record<Variant, number[]> = { compiled: [], tsx: [] }
  for (let i = 0; i < STARTS; i++) {
    for (const variant of ['compiled', 'tsx'] as const) {
      const { child, ms } = await start(variant)
      startMs[variant].push(ms)
      await stop(child)
    }
  }

  // Throughput: each variant served in turn, ROUNDS times, after a warm-up run of the same load.
  const runLoad = (port: number, seconds: number) =>
    new Promise<{ tps: number; p50: number; p99: number; failed: number }>((resolve, reject) => {
      const child = spawn(process.execPath, [LOAD, '127.0.0.1', String(port), String(CONNECTIONS), String(seconds), anonKey, String(ROWS)], { stdio: ['ignore', 'pipe', 'inherit'] })
      let out = ''
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
      child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load.mjs exited ${code}`))))
    })
  const runs: Record<Variant, Array<{ tps: number; p50: number; p99: number; usPerRequest: number; rss: number }>> = { compiled: [], tsx: [] }
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of ['compiled', 'tsx'] as const) {
      const { child, port } = await start(variant)
      await runLoad(port, 2) // warm-up: JIT, pool connections, schema cache
      const cpuBefore = cpuSeconds(child.pid!)
      const result = await runLoad(port, SECONDS)
      const cpu = cpuSeconds(child.pid!) - cpuBefore
      if (result.failed) throw new Error(`${variant}: ${result.failed} requests failed`)
      runs[variant].push({ ...result, usPerRequest: (cpu * 1e6) / (result.tps * SECONDS), rss: rssMb(child.pid!) })
      await stop(child)
    }
  }

  console.log(`\nCompiled server (tsc, dist/) vs the same server from source (tsx), ${process.version}, load average at the end ${load()}:`)
  for (const variant of ['compiled', 'tsx'] as const) {
    const r = runs[variant]
    console.log(
      `  ${variant.padEnd(8)} start-up to /health 200: median ${median(startMs[variant]).toFixed(0)} ms (${startMs[variant].map((ms) => ms.toFixed(0)).join(', ')})`,
    )
    console.log(
      `  ${' '.repeat(8)} GET by key, ${CONNECTIONS} connections: median ${median(r.map((x) => x.tps)).toFixed(0)} req/s (${r.map((x) => x.tps.toFixed(0)).join(', ')}), p50 ${median(r.map((x) => x.p50)).toFixed(2)} ms, p99 ${median(r.map((x) => x.p99)).toFixed(2)} ms, server CPU ${median(r.map((x) => x.usPerRequest)).toFixed(1)} µs/request, RSS ${median(r.map((x) => x.rss)).toFixed(0)} MB`,
    )
  }
  const ratio = median(runs.compiled.map((x) => x.tps)) / median(runs.tsx.map((x) => x.tps))
  const startRatio = median(startMs.compiled) / median(startMs.tsx)
  console.log(`  compiled / tsx: throughput ${ratio.toFixed(2)}×, start-up time ${startRatio.toFixed(2)}× (baseline: the tsx figures above, same run)`)
} finally {
  for (const child of children) child.kill('SIGKILL')
  await bench.dispose()
}
