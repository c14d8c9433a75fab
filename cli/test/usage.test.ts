// The command line as a user meets it without any database: --version, --help on every command,
// and one line with a non-zero exit code for every kind of bad input.
import t from 'tap'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { decodeJwt, jwtVerify } from 'jose'
import { pgstack } from './pgstack-process.ts'

const work = mkdtempSync(join(tmpdir(), 'pgstack-cli-usage-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))
const noDatabase = { DATABASE_URL: undefined, PGSTACK_ADMIN_DATABASE_URL: undefined, PGSTACK_JWT_SECRET: undefined }
const run = (args: string[], cwd = work, env: Record<string, string | undefined> = {}) => pgstack(args, { cwd, env: { ...noDatabase, ...env } })

type Asserts = Pick<typeof t, 'equal' | 'match'>

/** Exactly one line on stderr, nothing on stdout. */
function oneLine(t: Asserts, ran: { stdout: string; stderr: string }, pattern: RegExp) {
  t.equal(ran.stdout, '', 'nothing on stdout')
  t.equal(ran.stderr.trim().split('\n').length, 1, `one line: ${ran.stderr.trim()}`)
  t.match(ran.stderr, pattern)
}

t.test('--version prints the package version', async (t) => {
  const ran = await run(['--version'])
  t.equal(ran.code, 0)
  const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string }
  t.equal(ran.stdout.trim(), version)
})

t.test('--help on every command', async (t) => {
  for (const command of [[], ['init'], ['dev'], ['start'], ['migrate'], ['migrate', 'new'], ['migrate', 'up'], ['migrate', 'status'], ['gen', 'types'], ['keys'], ['replay'], ['test']]) {
    const ran = await run([...command, '--help'])
    t.equal(ran.code, 0, `${command.join(' ')} --help`)
    t.match(ran.stdout, /^Usage: pgstack/, `${command.join(' ')} --help prints its usage`)
  }
})

t.test('an unknown command or flag: one line, exit 2', async (t) => {
  const unknown = await run(['frobnicate'])
  t.equal(unknown.code, 2)
  oneLine(t, unknown, /^pgstack: unknown command 'frobnicate'/)
  const typo = await run(['migrat', 'up'])
  t.equal(typo.code, 2)
  oneLine(t, typo, /did you mean migrate\?/)
  const flag = await run(['migrate', 'status', '--colour'])
  t.equal(flag.code, 2)
  oneLine(t, flag, /^pgstack: unknown option '--colour'/)
  const missing = await run(['migrate', 'new'])
  t.equal(missing.code, 2)
  oneLine(t, missing, /missing required argument 'name'/)
  const notNumber = await run(['replay', 'q', '--from', 'ten'])
  t.equal(notNumber.code, 2)
  oneLine(t, notNumber, /^pgstack: option '--from <seq>' argument 'ten' is invalid\. it must be a whole number\./)
})

t.test('commands that need a database say which setting is missing', async (t) => {
  for (const args of [['migrate', 'up'], ['migrate', 'status'], ['keys'], ['replay', 'active_todos']]) {
    const ran = await run(args)
    t.equal(ran.code, 1, args.join(' '))
    oneLine(t, ran, new RegExp(`^pgstack ${args[0]}.*: no database to connect to: set DATABASE_URL`))
  }
  const start = await run(['start'])
  t.equal(start.code, 1)
  oneLine(t, start, /^pgstack start: DATABASE_URL is not set: point it at your PostgreSQL with pg_reactive/)
  const refused = await run(['migrate', 'status'], work, { DATABASE_URL: 'postgres://nobody:x@127.0.0.1:1/postgres' })
  t.equal(refused.code, 1)
  oneLine(t, refused, /^pgstack migrate status: cannot connect to the database from DATABASE_URL: nothing answers at 127\.0\.0\.1:1/)
})

t.test('init scaffolds an empty folder, refuses a non-empty one without --force', async (t) => {
  const ran = await run(['init', 'my-app', '--json'])
  t.equal(ran.code, 0, `exit 0`, { stdout: ran.stdout, stderr: ran.stderr })
  const made = JSON.parse(ran.stdout) as { dir: string; files: string[]; anonKey: string }
  const app = join(work, 'my-app')
  t.equal(made.dir, app)
  for (const file of ['package.json', '.env', 'compose.yml', 'live/active_todos.sql', 'client.mjs', 'README.md', 'tests/active_todos.live.yaml']) {
    t.ok(made.files.includes(file), file)
  }
  t.match(readdirSync(join(app, 'migrations')), [/^\d{14}_create_todos\.sql$/])
  const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string> }
  t.equal(pkg.name, 'my-app')
  t.match(pkg.dependencies['@pgstack/sdk'], /^\^\d+\.\d+\.\d+$/)
  // the keys in .env are signed with the secret beside them
  const env = Object.fromEntries(readFileSync(join(app, '.env'), 'utf8').split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
  t.equal(statSync(join(app, '.env')).mode & 0o777, 0o600, '.env is private')
  t.ok(env.PGSTACK_JWT_SECRET!.length >= 48)
  const secret = new TextEncoder().encode(env.PGSTACK_JWT_SECRET)
  t.equal((await jwtVerify(env.PGSTACK_ANON_KEY!, secret)).payload.role, 'anon')
  t.equal((await jwtVerify(env.PGSTACK_SERVICE_KEY!, secret)).payload.role, 'service_role')
  t.equal(decodeJwt(made.anonKey).role, 'anon')
  t.match(readFileSync(join(app, 'migrations', readdirSync(join(app, 'migrations'))[0]!), 'utf8'), /enable row level security[\s\S]*auth\.uid\(\)/)

  const again = await run(['init', 'my-app'])
  t.equal(again.code, 2)
  oneLine(t, again, /^pgstack init: .*my-app is not empty \(.*\): run it in an empty folder, or pass --force/)
  const forced = await run(['init', 'my-app', '--force'])
  t.equal(forced.code, 0)
  t.not(readFileSync(join(app, '.env'), 'utf8'), Object.entries(env).join(), 'a fresh secret')
})

t.test('migrate new names files by a timestamp and refuses a bad name', async (t) => {
  const app = mkdtempSync(join(work, 'migrate-new-'))
  const first = await run(['migrate', 'new', 'add_tags', '--json'], app)
  const second = await run(['migrate', 'new', 'add_tags'], app)
  t.equal(first.code, 0)
  t.equal(second.code, 0)
  const files = readdirSync(join(app, 'migrations'))
  t.equal(files.length, 2, 'two files even within one second')
  t.match(JSON.parse(first.stdout).path, /^migrations\/\d{14}_add_tags\.sql$/)
  const bad = await run(['migrate', 'new', 'add tags!'], app)
  t.equal(bad.code, 2)
  oneLine(t, bad, /"add tags!" cannot be a migration name: use letters, digits, _ and -/)
  writeFileSync(join(app, 'migrations', 'oops.sql'), 'select 1;')
  const misnamed = await run(['migrate', 'status'], app, { DATABASE_URL: 'postgres://x@127.0.0.1:1/x' })
  oneLine(t, misnamed, /migrations\/oops\.sql is not named <version>_<name>\.sql: rename it/)
})

t.test('a malformed live-query test file: one line naming the problem', async (t) => {
  const app = mkdtempSync(join(work, 'live-test-'))
  const cases: Array<[string, RegExp]> = [
    ['query: [1', /line \d+, column \d+/],
    ['steps: []', /query needs either name \(a defined live query\) or sql|query must be a mapping/],
    ['query: { name: q }\nsteps:\n  - rows: []', /steps\[1\]\.sql is missing/],
    ['query: { name: q, sql: select 1 }', /query needs either name/],
    ['query: { name: q }\nexpect: []', /the file has an unknown field "expect"/],
    ['query: { name: q }\nsteps:\n  - { sql: select 1, rows: [], deltas: [] }', /steps\[1\] expects rows or deltas, not both/],
  ]
  for (const [i, [text, pattern]] of cases.entries()) {
    const file = join(app, `bad-${i}.live.yaml`)
    writeFileSync(file, text)
    const ran = await run(['test', file], app)
    t.equal(ran.code, 2, text)
    t.equal(ran.stdout, '')
    t.equal(ran.stderr.trim().split('\n').length, 1, ran.stderr)
    t.match(ran.stderr, /^pgstack test: bad-\d\.live\.yaml is not a valid test file: /)
    t.match(ran.stderr, pattern)
  }
  const none = await run(['test'], app)
  oneLine(t, none, /no test files: none given and no \*\.live\.yaml under/)
})

t.test('a port in use: dev says so in one line before PostgreSQL starts', async (t) => {
  const taken = createServer()
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
  t.teardown(() => taken.close())
  const { port } = taken.address() as AddressInfo
  const app = mkdtempSync(join(work, 'port-'))
  const ran = await run(['dev'], app, { PORT: String(port) })
  t.equal(ran.code, 1)
  oneLine(t, ran, new RegExp(`^pgstack dev: port ${port} on 127\\.0\\.0\\.1 is in use: stop what listens there, or set PORT to another port`))
  t.notOk(readdirSync(app).includes('.pgstack') && readdirSync(join(app, '.pgstack')).some((entry) => /^(data|cluster)/.test(entry)), 'no cluster was created')
})

t.test('a PGSTACK_DB_PORT that is not a port: dev says so in one line before PostgreSQL starts', async (t) => {
  const app = mkdtempSync(join(work, 'db-port-'))
  const ran = await run(['dev'], app, { PORT: '0', PGSTACK_DB_PORT: '5432x' })
  t.equal(ran.code, 1)
  oneLine(t, ran, /^pgstack dev: PGSTACK_DB_PORT must be a port number, not "5432x": set it to 1–65535, or 0 for any free port/)
  t.notOk(readdirSync(app).includes('.pgstack') && readdirSync(join(app, '.pgstack')).some((entry) => /^(data|cluster)/.test(entry)), 'no cluster was created')
})
