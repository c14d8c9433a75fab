// Test harness: one throwaway cluster per test run (started by scripts/test.ts), and one fresh
// database per test file, cloned from a migrated template so every file starts from the same state.
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { ensureExtensionInstalled } from './extension-build.ts'
import { findPgBinaries } from './pg-binaries.ts'
import { dockerAnswers, startContainerCluster } from './test-container.ts'
import { startThrowawayCluster } from './throwaway.ts'

export { nodeBinary, userCommand, userEnv } from './node-versions.ts'

/** What scripts/test.ts hands every test process through the environment. */
export interface TestClusterInfo {
  kind: 'local' | 'container'
  host: string
  port: number
  /** Private socket directory (local clusters only). */
  socketDir?: string
  /** Password of `postgres` (and, in a container, of `authenticator`). */
  password: string
  logFile?: string
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
  /** URL for a role: any role over the local private socket; login roles only in a container. */
  urlFor(role: string): string
  cluster: TestClusterInfo
}

export interface TestCluster {
  info: TestClusterInfo
  dispose(): Promise<void>
}

/**
 * Starts the run's throwaway cluster: in a container when a Docker engine answers, otherwise
 * locally in a temp dir (building pg_reactive first when needed). Tuned for speed, not durability.
 */
export async function startTestCluster(log: (line: string) => void = () => {}): Promise<TestCluster> {
  const password = randomBytes(12).toString('hex')
  if (dockerAnswers()) {
    log('A Docker engine answers: starting the test cluster in a container…')
    const container = await startContainerCluster(password)
    const info: TestClusterInfo = {
      kind: 'container',
      host: container.host,
      port: container.port,
      password,
      template: TEMPLATE_DATABASE,
    }
    return { info, dispose: () => container.stop() }
  }
  const bins = findPgBinaries()
  if (ensureExtensionInstalled(bins, log)) log('pg_reactive built and installed.')
  log(`Starting a throwaway PostgreSQL ${bins.major} cluster for the tests…`)
  const { cluster, dispose } = await startThrowawayCluster('pgstack-test-', {
    superuserPassword: password,
    preloadLibraries: ['pg_reactive'],
    settings: {
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      max_connections: 300,
      max_worker_processes: 64,
    },
    log,
  })
  const info: TestClusterInfo = {
    kind: 'local',
    host: '127.0.0.1',
    port: cluster.port,
    socketDir: cluster.socketDir,
    password,
    logFile: cluster.logFile,
    template: TEMPLATE_DATABASE,
  }
  return { info, dispose }
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
  const password = encodeURIComponent(info.password)
  const admin = (db: string) => `postgres://postgres:${password}@${info.host}:${info.port}/${db}`
  // Locally every role connects over the private socket (trusted); a container has only
  // password logins over TCP (postgres and authenticator share the run's password).
  const socket = (role: string, db: string) =>
    info.socketDir
      ? `postgres://${role}@localhost:${info.port}/${db}?host=${encodeURIComponent(info.socketDir)}`
      : `postgres://${role}:${password}@${info.host}:${info.port}/${db}`
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

export { startFakeSmtp, type FakeSmtp } from './fake-smtp.ts'
