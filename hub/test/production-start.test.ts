// `npm start` as an operator runs it: the compiled server (built first when its build is stale)
// against DATABASE_URL with production defaults — /health answers, a sign-up must be confirmed
// before it can sign in, the mailed link points at the external URL; the same entry as the server
// image stages it (no sources, production dependencies only); and what production refuses (a dev
// secret, missing URLs, a Node whose uWebSockets.js binary cannot load here) stops it with one line.
import t from 'tap'
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, statSync, utimesSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { createTestDatabase, nodeBinary, userCommand, userEnv } from '@pgstack/infra/testing'
import { signApiKeys } from '@pgstack/hub'

t.setTimeout(600_000)

const root = join(import.meta.dirname, '..', '..')
const START = join(root, 'scripts', 'start.mjs')
const STAMP = join(root, 'hub', 'dist', '.tsbuildinfo')

interface Run {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  exited: Promise<number | null>
}

/** Runs in a process group of its own, as a terminal or a service manager starts it. */
function run(command: string, args: string[], env: Record<string, string>, cwd = root): Run {
  let stdout = ''
  let stderr = ''
  const child = spawn(...userCommand(command, args), { cwd, env: { ...userEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  child.stdout!.on('data', (chunk) => (stdout += chunk))
  child.stderr!.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, stdout: () => stdout, stderr: () => stderr, exited }
}

function signalGroup(started: Run, signal: NodeJS.Signals): void {
  try {
    process.kill(-started.child.pid!, signal)
  } catch {
    // already gone
  }
}

async function groupGone(started: Run, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    try {
      process.kill(-started.child.pid!, 0)
    } catch {
      return true
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return false
}

async function listening(started: Run): Promise<string> {
  const deadline = Date.now() + 300_000
  let done = false
  void started.exited.then(() => (done = true))
  for (;;) {
    const url = /pgStack listening on (\S+)/.exec(started.stdout())?.[1]
    if (url) return url
    if (done || Date.now() > deadline) throw new Error(`npm start did not come up:\n${started.stdout()}\n${started.stderr()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

const secret = randomBytes(36).toString('base64url')
const productionEnv = (db: { url: string; adminUrl: string }) => ({
  DATABASE_URL: db.url,
  PGSTACK_ADMIN_DATABASE_URL: db.adminUrl,
  PGSTACK_JWT_SECRET: secret,
  PORT: '0',
  PGSTACK_AUTH_SITE_URL: 'https://app.example.com',
  PGSTACK_AUTH_EXTERNAL_URL: 'https://api.example.com/auth/v1',
  PGSTACK_AUTH_SCRYPT_LOG_N: '10',
})

t.test('npm start builds a stale server, answers /health and refuses an unconfirmed sign-in', async (t) => {
  const db = await createTestDatabase(t)
  // A build older than every source: npm start must build before it runs.
  if (statSync(STAMP, { throwIfNoEntry: false })) utimesSync(STAMP, new Date(0), new Date(0))
  const started = run('npm', ['start'], productionEnv(db))
  t.teardown(() => signalGroup(started, 'SIGKILL'))
  const url = await listening(started)
  const log = started.stdout()
  t.match(log, /Building the server packages/, 'the stale build was rebuilt first')
  t.ok(statSync(STAMP).mtimeMs > 0, 'and the build is now current')
  t.match(log, /pgStack server on Node\.js v20\.\S+ on glibc [\d.]+ \(needs Node\.js 20 on glibc ≥ 2\.28/, 'the platform and its requirement, in one line')
  t.match(log, /PGSTACK_AUTH_AUTOCONFIRM=false \(dev: true\)/, 'the log lists what differs from dev')
  t.match(log, /PGSTACK_AUTH_RATE_LIMIT_SIGN_IN=30 \(dev: 1000\)/)

  const health = await fetch(`${url}/health`)
  t.equal(health.status, 200)
  t.match(await health.json(), { status: 'ok' })

  const { anonKey } = await signApiKeys(secret, Math.floor(Date.now() / 1000))
  const headers = { apikey: anonKey, 'content-type': 'application/json', 'x-supabase-api-version': '2024-01-01' }
  const email = `new-${randomBytes(4).toString('hex')}@example.com`
  const signup = await fetch(`${url}/auth/v1/signup`, { method: 'POST', headers, body: JSON.stringify({ email, password: 'a long passphrase' }) })
  const signedUp = (await signup.json()) as Record<string, unknown>
  t.equal(signup.status, 200)
  t.equal(signedUp.access_token, undefined, 'no session before the address is confirmed')
  t.equal(signedUp.email, email)

  const signIn = await fetch(`${url}/auth/v1/token?grant_type=password`, { method: 'POST', headers, body: JSON.stringify({ email, password: 'a long passphrase' }) })
  t.equal(signIn.status, 400)
  t.match(await signIn.json(), { code: 'email_not_confirmed' })

  const admin = new pg.Client({ connectionString: db.adminUrl })
  await admin.connect()
  const { rows } = await admin.query<{ body_text: string }>('SELECT body_text FROM auth.mail_outbox WHERE recipient = $1', [email])
  await admin.end()
  t.equal(rows.length, 1, 'one confirmation mail')
  t.match(rows[0]?.body_text, /https:\/\/api\.example\.com\/auth\/v1\/verify\?token=\w+&type=signup&redirect_to=https%3A%2F%2Fapp\.example\.com/, 'its link points at the external URL and lands on the site')

  // SIGTERM to the group (a service manager stopping it; Ctrl-C sends SIGINT the same way).
  signalGroup(started, 'SIGTERM')
  t.ok(await groupGone(started, 30_000), 'SIGTERM stops npm and the server')
})

t.test('the server image, staged without Docker, runs with no sources, no TypeScript and no tsx', async (t) => {
  // infra/server.Dockerfile's runtime stage: scripts/stage-server.mjs, then npm ci --omit=dev.
  // The build is current: the first test's npm start made it.
  const db = await createTestDatabase(t)
  const staged = mkdtempSync(join(tmpdir(), 'pgstack-server-image-'))
  t.teardown(() => rmSync(staged, { recursive: true, force: true }))
  const exec = (file: string, args: string[], cwd: string) =>
    promisify(execFile)(...userCommand(file, args), { cwd, env: userEnv(), encoding: 'utf8' })
  await exec(process.execPath, [join(root, 'scripts', 'stage-server.mjs'), staged], root)
  await exec('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], staged)
  for (const absent of ['hub/src', 'hub/tsconfig.build.json', 'node_modules/typescript', 'node_modules/tsx', 'node_modules/vite']) {
    t.notOk(existsSync(join(staged, absent)), `no ${absent}`)
  }

  const started = run(process.execPath, ['scripts/start.mjs'], productionEnv(db), staged)
  t.teardown(() => signalGroup(started, 'SIGKILL'))
  const url = await listening(started)
  t.notMatch(started.stdout(), /Building/, 'nothing to build, nothing built')
  t.equal((await fetch(`${url}/health`)).status, 200)
  const studio = await fetch(`${url}/studio/`)
  t.equal(studio.status, 200, 'the Studio is served from its staged build')
  t.match(await studio.text(), /<html/i)
  signalGroup(started, 'SIGTERM')
  t.ok(await groupGone(started, 30_000))
})

t.test('production refuses a dev secret and missing URLs, in one line', async (t) => {
  const db = await createTestDatabase(t)
  const env: Record<string, string> = { ...productionEnv(db), PGSTACK_JWT_SECRET: `pgstack-dev-${'x'.repeat(40)}` }
  delete env.PGSTACK_AUTH_EXTERNAL_URL
  const refused = run(process.execPath, [START], env)
  t.equal(await refused.exited, 1)
  const lines = refused.stderr().trim().split('\n')
  t.equal(lines.length, 1, refused.stderr())
  t.match(lines[0], /PGSTACK_AUTH_EXTERNAL_URL is required in production/)
  t.match(lines[0], /PGSTACK_JWT_SECRET is the secret `npm run dev` generated/)
})

t.test('a Node.js whose uWebSockets.js binary cannot load here stops at the runtime check, in one line', async (t) => {
  const node22 = await nodeBinary(22)
  const report = process.report.getReport() as { header: { glibcVersionRuntime?: string } }
  const [major = 0, minor = 0] = (report.header.glibcVersionRuntime ?? '0.0').split('.').map(Number)
  const started = run(node22, [START], {})
  const code = await started.exited
  if (major > 2 || (major === 2 && minor >= 38)) {
    // glibc is new enough: Node 22 passes the check and stops at the missing configuration instead.
    t.match(started.stdout(), /pgStack server on Node\.js v22\./)
    t.match(started.stderr(), /DATABASE_URL is required/)
  } else {
    t.equal(code, 1)
    t.equal(started.stderr().trim().split('\n').length, 1, started.stderr())
    t.match(started.stderr(), /^pgStack's server needs Node\.js 20 on glibc ≥ 2\.28, or Node\.js 22 or 24 on glibc ≥ 2\.38; this is Node\.js v22\.\S+ on glibc 2\.\d+: run it with Node\.js 20 here/)
  }
})
