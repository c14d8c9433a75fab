// `npm run dev` as a user runs it: the stack comes up, /health answers with both versions,
// Ctrl-C leaves no process behind, and a PostgreSQL killed underneath gives a clear message.
import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isRoot, processAlive } from '@pgstack/infra'

const main = join(import.meta.dirname, '..', 'src', 'main.ts')

interface DevRun {
  child: ChildProcess
  output: () => string
  exited: Promise<number | null>
}

function withoutKeys(env: NodeJS.ProcessEnv, keys: string[]): NodeJS.ProcessEnv {
  for (const key of keys) delete env[key]
  return env
}

function startDev(projectDir: string, env: Record<string, string> = {}): DevRun {
  let output = ''
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), main, 'dev'], {
    cwd: projectDir,
    env: withoutKeys({ ...process.env, PORT: '0', PGSTACK_DB_PORT: '0', ...env }, ['DATABASE_URL', 'PGSTACK_ADMIN_DATABASE_URL', 'PGSTACK_JWT_SECRET']),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout!.on('data', (chunk) => (output += chunk))
  child.stderr!.on('data', (chunk) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, output: () => output, exited }
}

async function until(run: DevRun, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms
  let exited = false
  void run.exited.then(() => (exited = true))
  while (!run.output().includes(what)) {
    if (exited || Date.now() > deadline) throw new Error(`no "${what}" from dev:\n${run.output()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

// Each dev start initdbs or starts a cluster and migrates: slow under load, so more time.
t.setTimeout(300_000)

// One project for the file: the second test starts from the data the first one left.
const dir = mkdtempSync(join(tmpdir(), 'pgstack-dev-test-'))
chmodSync(dir, 0o755) // as root, PostgreSQL runs as another OS user that must reach .pgstack/
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

function postmasterPid(dir: string): number {
  return Number(readFileSync(join(dir, '.pgstack', 'data', 'postmaster.pid'), 'utf8').split('\n')[0])
}

t.test('dev brings the stack up, prints the keys, and Ctrl-C stops everything', async (t) => {
  const run = startDev(dir)
  t.teardown(() => run.child.kill('SIGKILL'))
  await until(run, 'pgStack is up')
  const stack = JSON.parse(readFileSync(join(dir, '.pgstack', 'stack.json'), 'utf8'))
  t.same(Object.keys(stack).sort(), ['anonKey', 'databaseUrl', 'serviceKey', 'url'])
  t.match(run.output(), stack.anonKey)
  const health = (await (await fetch(`${stack.url}/health`)).json()) as Record<string, unknown>
  t.equal(health.status, 'ok')
  t.match(health.postgres, /^\d+/)
  t.match(health.pg_reactive, /^\d+\.\d+/)
  // The Studio is built when its sources changed and served beside the API, its URL printed.
  t.match(run.output(), `Studio URL:   ${stack.url}/studio`)
  const studio = await fetch(`${stack.url}/studio`)
  t.equal(studio.status, 200, 'the Studio is served')
  t.match(await studio.text(), /<title>pgStack Studio<\/title>/)

  const pid = postmasterPid(dir)
  run.child.kill('SIGINT')
  t.equal(await run.exited, 0)
  t.equal(processAlive(pid), false, 'PostgreSQL is stopped')
  t.notOk(existsSync(join(dir, '.pgstack', 'data', 'postmaster.pid')))

  const again = startDev(dir)
  t.teardown(() => again.child.kill('SIGKILL'))
  await until(again, 'pgStack is up')
  t.notMatch(again.output(), /Creating a PostgreSQL/, 'the data is reused')
  const stackAgain = JSON.parse(readFileSync(join(dir, '.pgstack', 'stack.json'), 'utf8'))
  t.equal(stackAgain.anonKey, stack.anonKey, 'the keys survive a restart')
  again.child.kill('SIGINT')
  t.equal(await again.exited, 0)
})

t.test('PostgreSQL killed under dev: a clear message, and the next dev recovers', async (t) => {
  const run = startDev(dir)
  t.teardown(() => run.child.kill('SIGKILL'))
  await until(run, 'pgStack is up')
  process.kill(postmasterPid(dir), 'SIGKILL')
  t.equal(await run.exited, 1)
  t.match(run.output(), /PostgreSQL stopped unexpectedly .*Run the same command again to restart it/)

  const next = startDev(dir)
  t.teardown(() => next.child.kill('SIGKILL'))
  await until(next, 'pgStack is up')
  const stack = JSON.parse(readFileSync(join(dir, '.pgstack', 'stack.json'), 'utf8'))
  t.equal((await fetch(`${stack.url}/health`)).status, 200)
  next.child.kill('SIGINT')
  t.equal(await next.exited, 0)
})

t.test('as root in a private (0700) folder: the cluster lives where PostgreSQL can reach it, and goes with the project', async (t) => {
  // mkdtemp makes 0700 directories, like /root: the OS user postgres cannot reach into them.
  const project = mkdtempSync(join(tmpdir(), 'pgstack-private-project-'))
  const clusters = mkdtempSync(join(tmpdir(), 'pgstack-clusters-'))
  chmodSync(clusters, 0o755)
  t.teardown(() => {
    rmSync(project, { recursive: true, force: true })
    rmSync(clusters, { recursive: true, force: true })
  })
  t.equal(statSync(project).mode & 0o777, 0o700)
  const env = { PGSTACK_CLUSTERS_DIR: clusters }

  const run = startDev(project, env)
  t.teardown(() => run.child.kill('SIGKILL'))
  await until(run, 'pgStack is up')
  const stack = JSON.parse(readFileSync(join(project, '.pgstack', 'stack.json'), 'utf8'))
  t.equal((await fetch(`${stack.url}/health`)).status, 200)
  if (!isRoot()) {
    // Not root: PostgreSQL runs as ourselves and keeps its data in the project.
    t.ok(existsSync(join(project, '.pgstack', 'data', 'PG_VERSION')))
    run.child.kill('SIGINT')
    t.equal(await run.exited, 0)
    return
  }
  const home = readlinkSync(join(project, '.pgstack', 'cluster'))
  t.match(home, new RegExp(`^${clusters}/pgstack-private-project-`), 'the cluster got a home of its own')
  t.match(run.output(), `which cannot reach ${join(project, '.pgstack')}: this project's cluster lives in ${home}`)
  t.ok(existsSync(join(home, 'data', 'PG_VERSION')))
  t.notOk(existsSync(join(project, '.pgstack', 'data')), 'nothing of the cluster in the project')
  run.child.kill('SIGINT')
  t.equal(await run.exited, 0)

  const again = startDev(project, env)
  t.teardown(() => again.child.kill('SIGKILL'))
  await until(again, 'pgStack is up')
  t.notMatch(again.output(), /Creating a PostgreSQL/, 'the next dev finds its data again')
  t.equal(readlinkSync(join(project, '.pgstack', 'cluster')), home)
  again.child.kill('SIGINT')
  t.equal(await again.exited, 0)

  // The project is deleted: the next dev anywhere removes its cluster.
  rmSync(project, { recursive: true, force: true })
  const other = mkdtempSync(join(tmpdir(), 'pgstack-private-project-'))
  t.teardown(() => rmSync(other, { recursive: true, force: true }))
  const next = startDev(other, env)
  t.teardown(() => next.child.kill('SIGKILL'))
  await until(next, 'pgStack is up')
  t.match(next.output(), `Removed ${home}, the cluster of a project that no longer exists.`)
  t.notOk(existsSync(home))
  next.child.kill('SIGINT')
  t.equal(await next.exited, 0)
})

t.test('as root, a cluster place PostgreSQL cannot reach either: one clear line', { skip: !isRoot() && 'only root runs PostgreSQL as another OS user' }, async (t) => {
  const project = mkdtempSync(join(tmpdir(), 'pgstack-private-project-'))
  const closed = mkdtempSync(join(tmpdir(), 'pgstack-closed-')) // 0700: postgres cannot enter
  t.teardown(() => {
    rmSync(project, { recursive: true, force: true })
    rmSync(closed, { recursive: true, force: true })
  })
  const run = startDev(project, { PGSTACK_CLUSTERS_DIR: join(closed, 'clusters') })
  t.teardown(() => run.child.kill('SIGKILL'))
  t.equal(await run.exited, 1)
  t.match(run.output(), `pgstack dev: PostgreSQL runs as the OS user "postgres", which can reach neither ${join(project, '.pgstack')} nor ${join(closed, 'clusters')}: set PGSTACK_CLUSTERS_DIR to a directory it can reach.`)
})
