// The server every bench measures: a `bench` database in the bench's own cluster, migrated and
// served by a hub on a free port, with its JWT secret and anon key. One place, so the benches
// differ only in what they load and measure.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import pg from 'pg'
import { freePort, type RunningCluster } from '@pgstack/infra'
import { loadConfig, signApiKeys, startHub, type Hub } from '@pgstack/hub'

export interface BenchHub {
  hub: Hub
  secret: string
  anonKey: string
}

export async function startBenchHub(
  cluster: RunningCluster,
  env: Record<string, string> = {},
  log: (line: string) => void = () => {},
): Promise<BenchHub> {
  const admin = new pg.Client({ connectionString: cluster.adminUrl('postgres') })
  await admin.connect()
  await admin.query('CREATE DATABASE bench')
  await admin.end()
  const secret = randomBytes(32).toString('base64url')
  const config = loadConfig({
    DATABASE_URL: cluster.socketUrl('authenticator', 'bench'),
    PGSTACK_ADMIN_DATABASE_URL: cluster.adminUrl('bench'),
    PGSTACK_JWT_SECRET: secret,
    PORT: '0',
    ...env,
  })
  const hub = await startHub({ config, log })
  const { anonKey } = await signApiKeys(secret, Math.floor(Date.now() / 1000))
  return { hub, secret, anonKey }
}

export interface SpawnedHub {
  pid: number
  url: string
  port: number
  secret: string
  anonKey: string
  close(): Promise<void>
}

/**
 * The compiled server (`npm start`: scripts/start.mjs → hub/dist, built first when stale) in its
 * own process over the same `bench` database, with production settings: what users run.
 */
export async function spawnBenchHub(cluster: RunningCluster, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<SpawnedHub> {
  const admin = new pg.Client({ connectionString: cluster.adminUrl('postgres') })
  await admin.connect()
  await admin.query('CREATE DATABASE bench')
  await admin.end()
  const secret = randomBytes(32).toString('base64url')
  const port = await freePort()
  const root = join(import.meta.dirname, '..', '..')
  const child = spawn(process.execPath, [...nodeArgs, join(root, 'scripts', 'start.mjs')], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: cluster.socketUrl('authenticator', 'bench'),
      PGSTACK_ADMIN_DATABASE_URL: cluster.adminUrl('bench'),
      PGSTACK_JWT_SECRET: secret,
      PORT: String(port),
      PGSTACK_AUTH_SITE_URL: 'https://app.example.com',
      PGSTACK_AUTH_EXTERNAL_URL: 'https://api.example.com/auth/v1',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  // A bench ended from outside takes its server with it (bench-cluster.ts exits on the signal).
  const killNow = () => {
    if (child.exitCode === null) child.kill('SIGKILL')
  }
  process.once('exit', killNow)
  const url = `http://127.0.0.1:${port}`
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the compiled server exited with ${child.exitCode}`)
    if (await fetch(`${url}/health`).then((res) => res.ok, () => false)) break
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  const { anonKey } = await signApiKeys(secret, Math.floor(Date.now() / 1000))
  return {
    pid: child.pid!,
    url,
    port,
    secret,
    anonKey,
    async close() {
      process.off('exit', killNow)
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}
