// Test harness: one throwaway cluster per test run (started by scripts/test.ts), and one fresh
// database per test file, cloned from a migrated template so every file starts from the same state.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { startCluster, type RunningCluster } from './cluster.ts'
import { giveTo, serverOsUser } from './os-user.ts'

/** What scripts/test.ts hands every test process through the environment. */
export interface TestClusterInfo {
  port: number
  socketDir: string
  password: string
  dataDir: string
  logFile: string
  /** Database holding the product's migrations, cloned for each test file. */
  template: string
}

export const TEST_CLUSTER_ENV = 'PGSTACK_TEST_CLUSTER'
export const TEMPLATE_DATABASE = 'pgstack_template'

export interface TestDatabase {
  name: string
  /** Superuser URL (TCP). */
  adminUrl: string
  /** URL as the `authenticator` login role, as the server connects. */
  url: string
  /** URL for any role over the private socket. */
  urlFor(role: string): string
  cluster: TestClusterInfo
}

/** Starts the run's throwaway cluster in a temp dir; tuned for speed, not durability. */
export async function startTestCluster(log?: (line: string) => void): Promise<{
  cluster: RunningCluster
  info: TestClusterInfo
  dispose(): Promise<void>
}> {
  const root = mkdtempSync(join(tmpdir(), 'pgstack-test-'))
  giveTo(serverOsUser(), root)
  const password = randomBytes(12).toString('hex')
  let cluster: RunningCluster
  try {
    cluster = await startCluster({
      dataDir: join(root, 'data'),
      socketDir: join(root, 'run'),
      logFile: join(root, 'postgres.log'),
      superuserPassword: password,
      preloadLibraries: ['pg_reactive'],
      settings: {
        fsync: 'off',
        synchronous_commit: 'off',
        full_page_writes: 'off',
        max_connections: 300,
        max_worker_processes: 64,
      },
      ...(log ? { log } : {}),
    })
  } catch (error) {
    rmSync(root, { recursive: true, force: true })
    throw error
  }
  const info: TestClusterInfo = {
    port: cluster.port,
    socketDir: cluster.socketDir,
    password,
    dataDir: cluster.dataDir,
    logFile: cluster.logFile,
    template: TEMPLATE_DATABASE,
  }
  return {
    cluster,
    info,
    async dispose() {
      await cluster.stop()
      rmSync(root, { recursive: true, force: true })
    },
  }
}

export function testClusterInfo(): TestClusterInfo {
  const raw = process.env[TEST_CLUSTER_ENV]
  if (!raw) {
    throw new Error(
      `${TEST_CLUSTER_ENV} is not set: run tests through \`npm test\` (\`npm test -- <files>\` runs a subset).`,
    )
  }
  return JSON.parse(raw) as TestClusterInfo
}

export function clusterUrls(info: TestClusterInfo) {
  const admin = (db: string) =>
    `postgres://postgres:${encodeURIComponent(info.password)}@127.0.0.1:${info.port}/${db}`
  const socket = (role: string, db: string) =>
    `postgres://${role}@localhost:${info.port}/${db}?host=${encodeURIComponent(info.socketDir)}`
  return { admin, socket }
}

interface Teardown {
  teardown(fn: () => unknown): void
}

/**
 * A fresh database for one test file, dropped when `t` ends. `template: 'template0'` gives an
 * empty database without the product's migrations.
 */
export async function createTestDatabase(
  t: Teardown,
  options: { template?: string } = {},
): Promise<TestDatabase> {
  const info = testClusterInfo()
  const urls = clusterUrls(info)
  const name = `t_${randomBytes(6).toString('hex')}`
  const template = options.template ?? info.template
  const admin = new pg.Client({ connectionString: urls.admin('postgres') })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`)
  } finally {
    await admin.end()
  }
  t.teardown(async () => {
    const client = new pg.Client({ connectionString: urls.admin('postgres') })
    await client.connect()
    try {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    } finally {
      await client.end()
    }
  })
  return {
    name,
    adminUrl: urls.admin(name),
    url: urls.socket('authenticator', name),
    urlFor: (role) => urls.socket(role, name),
    cluster: info,
  }
}
