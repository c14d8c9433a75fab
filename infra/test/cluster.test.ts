import t from 'tap'
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { startCluster, type ClusterOptions } from '@pgstack/infra'
import { giveTo, serverOsUser } from '../src/os-user.ts'

// Clusters start several times here; under load that is slow, so the file gets more time.
t.setTimeout(300_000)

const PASSWORD = 'secret pass/word'

/** initdb once; each test starts from a copy of that data directory (initdb is the slow part). */
let golden: string | undefined
async function goldenDataDir(): Promise<string> {
  if (golden) return golden
  const root = mkdtempSync(join(tmpdir(), 'pgstack-cluster-golden-'))
  giveTo(serverOsUser(), root)
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  const cluster = await startCluster({
    dataDir: join(root, 'data'),
    socketDir: join(root, 'run'),
    logFile: join(root, 'postgres.log'),
    superuserPassword: PASSWORD,
  })
  await cluster.stop()
  golden = join(root, 'data')
  return golden
}

async function options(t: { teardown(fn: () => unknown): void }): Promise<ClusterOptions> {
  const root = mkdtempSync(join(tmpdir(), 'pgstack-cluster-test-'))
  giveTo(serverOsUser(), root)
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  cpSync(await goldenDataDir(), join(root, 'data'), { recursive: true, preserveTimestamps: true })
  const user = serverOsUser()
  if (user) execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, join(root, 'data')])
  return {
    dataDir: join(root, 'data'),
    socketDir: join(root, 'run'),
    logFile: join(root, 'postgres.log'),
    superuserPassword: PASSWORD,
    settings: { fsync: 'off' },
  }
}

async function query(url: string, sql: string) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(sql)).rows
  } finally {
    await client.end()
  }
}

t.test('a second start reuses the data; stop leaves no server behind', async (t) => {
  const opts = await options(t)
  const first = await startCluster(opts)
  await query(first.adminUrl(), 'CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)')
  t.same(await query(first.socketUrl('postgres'), 'SELECT current_user AS u'), [{ u: 'postgres' }])
  await first.stop()
  t.equal(first.isAlive(), false)

  const second = await startCluster(opts)
  t.teardown(() => second.stop())
  t.same(await query(second.adminUrl(), 'SELECT x FROM kept'), [{ x: 42 }])
})

t.test('a server killed with SIGKILL leaves a stale postmaster.pid that the next start recovers', async (t) => {
  const opts = await options(t)
  const first = await startCluster(opts)
  process.kill(first.pid, 'SIGKILL')
  while (first.isAlive()) await new Promise((r) => setTimeout(r, 50))
  t.ok(readFileSync(join(opts.dataDir, 'postmaster.pid'), 'utf8'), 'the pid file is still there')
  const lines: string[] = []
  const second = await startCluster({ ...opts, log: (line) => lines.push(line) })
  t.teardown(() => second.stop())
  t.match(lines.join('\n'), /stale postmaster\.pid/)
  t.same(await query(second.adminUrl(), 'SELECT 1 AS one'), [{ one: 1 }])
})

t.test('a server left running by a crashed run is stopped and started afresh', async (t) => {
  const opts = await options(t)
  const orphan = await startCluster(opts)
  const lines: string[] = []
  const fresh = await startCluster({ ...opts, log: (line) => lines.push(line) })
  t.teardown(() => fresh.stop())
  t.equal(orphan.isAlive(), false)
  t.not(fresh.pid, orphan.pid)
  t.match(lines.join('\n'), new RegExp(`left behind \\(pid ${orphan.pid}\\)`))
  t.same(await query(fresh.adminUrl(), 'SELECT 1 AS one'), [{ one: 1 }])
})

t.test('the superuser needs its password over TCP', async (t) => {
  const opts = await options(t)
  const cluster = await startCluster(opts)
  t.teardown(() => cluster.stop())
  const wrong = cluster.adminUrl().replace(encodeURIComponent(opts.superuserPassword), 'wrong')
  await t.rejects(query(wrong, 'SELECT 1'), /password authentication failed/)
})
