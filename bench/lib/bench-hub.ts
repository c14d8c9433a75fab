// The server every bench measures: a `bench` database in the bench's own cluster, migrated and
// served by a hub on a free port, with its JWT secret and anon key. One place, so the benches
// differ only in what they load and measure.
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { RunningCluster } from '@pgstack/infra'
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
