// The whole path a new user takes, from packed tarballs and an empty folder: `pgstack init`,
// `npm install`, `pgstack dev`; the app's client signs up, inserts a todo and sees it arrive on the
// live query active_todos; the app's page in Chromium lists a todo as it is added, in a second
// window too, and drops it when it is done; dev applies a new migration and reports a broken live query while it
// keeps serving; `gen types` output compiles; `replay --verify` passes; `test` passes the scaffold's
// file and fails a broken one with its diff; `keys --rotate` keeps the old key valid for its grace;
// `start` serves the compiled server against the same database. No command runs from this
// checkout: everything comes from the installed @pgstack/cli.
import t from 'tap'
import { execFile } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { userCommand, userEnv } from '@pgstack/infra/testing'
import { launchBrowser } from '@pgstack/infra/browser'
import type { Page } from 'playwright-core'
import { spawnCommand, type Running } from './pgstack-process.ts'

t.setTimeout(1_200_000)
const root = join(import.meta.dirname, '..', '..')
const work = mkdtempSync(join(tmpdir(), 'pgstack-app-'))
chmodSync(work, 0o755) // as root, PostgreSQL runs as another OS user that must reach the app's .pgstack/
t.teardown(() => rmSync(work, { recursive: true, force: true }))
const app = join(work, 'todo-app')
const noDatabase = { DATABASE_URL: undefined, PGSTACK_ADMIN_DATABASE_URL: undefined, PGSTACK_JWT_SECRET: undefined, PORT: undefined }

function env(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const merged = userEnv({ ...process.env, ...noDatabase, ...extra })
  for (const [key, value] of Object.entries({ ...noDatabase, ...extra })) if (value === undefined) delete merged[key]
  return merged
}

async function sh(file: string, args: string[], options: { cwd?: string; env?: Record<string, string | undefined>; ok?: boolean } = {}) {
  const [command, argv] = userCommand(file, args)
  try {
    const { stdout, stderr } = await promisify(execFile)(command, argv, { cwd: options.cwd ?? app, env: env(options.env), encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    if (options.ok !== false) throw new Error(`${file} ${args.join(' ')} failed (${e.code}):\n${e.stdout}\n${e.stderr}`)
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}
const npx = (args: string[], options: { env?: Record<string, string | undefined>; ok?: boolean } = {}) => sh('npx', ['--no', '--', 'pgstack', ...args], options)
// The long-running commands run from the bin npx resolves to, so that Ctrl-C (SIGINT) reaches
// pgstack itself: npm exec does not pass a signal sent to it alone on to its child.
const bin = () => join(app, 'node_modules', '.bin', 'pgstack')

const spawnInApp = (file: string, args: string[], extra: Record<string, string | undefined> = {}) => spawnCommand(file, args, { cwd: app, env: { ...noDatabase, ...extra } })

/** Waits for `pattern` in a running command's output and returns its match. */
async function waitFor(running: Running, pattern: RegExp, ms = 180_000): Promise<RegExpMatchArray> {
  await running.until(pattern, ms)
  return running.output().match(pattern)!
}

const readEnv = () =>
  Object.fromEntries(
    readFileSync(join(app, '.env'), 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  )

let cliTarball = ''
let sdkTarball = ''
t.before(async () => {
  cliTarball = (await sh(process.execPath, [join(root, 'scripts', 'pack-cli.mjs'), work], { cwd: root })).stdout.trim().split('\n').pop()!
  const packed = await sh('npm', ['pack', '-w', 'sdk', '--pack-destination', work, '--json'], { cwd: root })
  sdkTarball = join(work, (JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string }>)[0]!.filename)
})

t.test('the packed CLI carries the server and the extension source, and no TypeScript sources', async (t) => {
  const { stdout } = await sh('tar', ['tzf', cliTarball], { cwd: work })
  const files = stdout.split('\n').filter(Boolean)
  for (const file of ['package/bin/pgstack.mjs', 'package/dist/main.js', 'package/node_modules/@pgstack/hub/dist/main.js', 'package/node_modules/@pgstack/infra/pg_reactive/pg_reactive.control', 'package/node_modules/@pgstack/studio/dist/app/index.html', 'package/docker/postgres.Dockerfile']) {
    t.ok(files.includes(file), file)
  }
  t.notOk(files.some((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts')), 'no .ts sources')
  t.notOk(files.some((f) => /\.(o|so)$|tsbuildinfo/.test(f)), 'no build leftovers')
})

t.test('init in an empty folder, then npm install', async (t) => {
  const init = await sh('npx', ['--yes', '--package', cliTarball, 'pgstack', 'init', 'todo-app'], { cwd: work })
  t.match(init.stdout, /Created a pgStack app in .*todo-app/)
  await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', cliTarball, sdkTarball])
  t.same(readdirSync(join(app, 'node_modules', '@pgstack')).sort(), ['cli', 'sdk'])
  t.equal((await npx(['--version'])).stdout.trim(), JSON.parse(readFileSync(join(root, 'cli', 'package.json'), 'utf8')).version)
  const help = (await npx(['--help'])).stdout
  for (const command of ['init', 'dev', 'start', 'migrate', 'gen', 'keys', 'replay', 'test']) t.match(help, new RegExp(`^  ${command}\\b`, 'm'), `--help lists ${command}`)
})

t.test('dev, a client that sees its todo arrive live, and the rest of the commands', async (t) => {
  const dev = spawnInApp(bin(), ['dev'], { PORT: '0', PGSTACK_DB_PORT: '0' })
  t.teardown(() => dev.child.kill('SIGKILL'))
  const [, url] = await waitFor(dev, /API URL: +(http:\S+)/)
  await waitFor(dev, /pgStack is up/)
  t.match(dev.output(), /Applying migrations\/\d+_create_todos\.sql\nLive query active_todos defined \(live\/active_todos\.sql\)/)
  const keys = readEnv()
  t.match(dev.output(), `anon key:     ${keys.PGSTACK_ANON_KEY}`, 'dev prints the keys of .env')

  // the app's client: sign up, subscribe to active_todos, insert, see it arrive
  const email = 'new-user@example.com'
  const client = await sh(process.execPath, ['--env-file=.env', '--experimental-websocket', 'client.mjs', email, 'a long password', 'buy oat milk ✓'], { env: { PGSTACK_URL: url } })
  const seen = JSON.parse(client.stdout.trim().split('\n').pop()!) as { todo: { id: number; title: string }; live: Array<{ title: string }> }
  t.equal(seen.todo.title, 'buy oat milk ✓')
  t.same(seen.live.map((row) => row.title), ['buy oat milk ✓'], 'the todo arrived on the live query')

  // the page (npm run web): sign up, add a todo and see it listed; a second window of the same
  // user adds one and the first shows it; marking one done takes it off both lists
  const web = spawnInApp(process.execPath, ['web/serve.mjs'], { PGSTACK_URL: url, WEB_PORT: '0' })
  t.teardown(() => web.child.kill('SIGKILL'))
  const [, pageUrl] = await waitFor(web, /The page: (http:\S+)/)
  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const titles = (page: Page) => page.$$eval('#todos li', (items) => items.map((li) => li.textContent))
  const open = async () => {
    const page = await browser.newPage()
    await page.goto(pageUrl!)
    await page.fill('#auth input[name=email]', 'page-user@example.com')
    await page.fill('#auth input[name=password]', 'a long password')
    await page.click('#auth button')
    await page.waitForFunction(() => document.getElementById('state')!.textContent === 'live')
    return page
  }
  const first = await open()
  await first.fill('#add input[name=title]', 'from the page ✓')
  await first.click('#add button')
  await first.waitForFunction(() => document.querySelectorAll('#todos li').length === 1)
  t.same(await titles(first), ['from the page ✓'], 'the new todo is listed')
  const second = await open()
  t.same(await titles(second), ['from the page ✓'], 'a second window of the same user lists it')
  await second.fill('#add input[name=title]', 'from the second window')
  await second.click('#add button')
  await first.waitForFunction(() => document.querySelectorAll('#todos li').length === 2)
  t.same(await titles(first), ['from the second window', 'from the page ✓'], "the second window's todo arrives in the first, newest first")
  await first.click('#todos li:has-text("from the page ✓")')
  await second.waitForFunction(() => document.querySelectorAll('#todos li').length === 1)
  t.same(await titles(second), ['from the second window'], 'a todo marked done leaves the other window too')
  await browser.close()
  web.child.kill('SIGINT')

  // the feed lingers after the client left: its history checks out against a fresh SELECT
  const verify = await npx(['replay', 'active_todos', '--verify'])
  t.match(verify.stdout, /^ok {2}feed \d+ of active_todos — role authenticated, params \[false\], claims \{"sub":"[0-9a-f-]+","email":"new-user@example\.com","role":"authenticated"\}/)

  // a new migration while dev runs is applied; a broken live query is reported and the stack serves on
  writeFileSync(join(app, 'migrations', '99990101000000_tags.sql'), 'create table public.tags (id int primary key, name text not null);\n')
  await waitFor(dev, /Applying migrations\/99990101000000_tags\.sql/)
  writeFileSync(join(app, 'live', 'broken.sql'), 'select id, nope from public.todos')
  await waitFor(dev, /Live query broken not defined: live\/broken\.sql: column "nope" does not exist \[42703\]/)
  t.equal((await fetch(`${url}/health`)).status, 200, 'still serving')
  rmSync(join(app, 'live', 'broken.sql'))

  // types from the running database compile; a wrong column does not
  await npx(['gen', 'types', '--out', 'database.types.ts'])
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, allowImportingTsExtensions: true, skipLibCheck: true }, files: ['check.ts'] }))
  const check = `import { createClient } from '@pgstack/sdk'
import type { Database, LiveQueryRow } from './database.types.ts'
const pgstack = createClient<Database>('${url}', 'anon')
const { data } = await pgstack.from('todos').select('id, title, done').eq('done', false)
export const titles: string[] = (data ?? []).map((todo) => todo.title)
export const row: LiveQueryRow<'active_todos'> = { id: 1, title: 'x', done: false, created_at: '' }
await pgstack.from('tags').insert({ id: 1, name: 'home' })
`
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  writeFileSync(join(app, 'check.ts'), check)
  t.equal((await sh(process.execPath, [tsc, '-p', '.'], { ok: false })).code, 0, 'the sample compiles')
  writeFileSync(join(app, 'check.ts'), check.replace('todo.title', 'todo.titel'))
  const wrong = await sh(process.execPath, [tsc, '-p', '.'], { ok: false })
  t.not(wrong.code, 0)
  t.match(wrong.stdout, /check\.ts\(5,\d+\): error TS2551: Property 'titel' does not exist/)

  // live-query tests: the scaffold's passes, a broken copy fails with its diff
  const passed = await npx(['test'])
  t.match(passed.stdout, /# 3 passed, 0 failed/)
  writeFileSync(join(app, 'tests', 'broken.live.yaml'), readFileSync(join(app, 'tests', 'active_todos.live.yaml'), 'utf8').replace('title: "ann: milk"', 'title: "ann: bread"'))
  const failed = await npx(['test'], { ok: false })
  t.equal(failed.code, 1)
  t.match(failed.stdout, /not ok \d+ - tests\/broken\.live\.yaml: step 1: .* → rows\n {2}---\n {2}diff: \|\n {4}--- expected\n {4}\+\+\+ actual\n {4}@@ -1,1 \+1,1 @@\n {4}-\{"id": 1, "done": false, "title": "ann: bread", "created_at": "2026-01-01T00:00:00\+00:00"\}\n {4}\+\{"id": 1, "done": false, "title": "ann: milk", "created_at": "2026-01-01T00:00:00\+00:00"\}/)

  // keys: the same as .env; a rotation keeps the old key valid for its grace, new keys in .env
  const shown = JSON.parse((await npx(['keys', '--json'])).stdout) as { anon_key: string }
  t.equal(shown.anon_key, keys.PGSTACK_ANON_KEY)
  const rotated = JSON.parse((await npx(['keys', '--rotate', '--grace', '600', '--json'])).stdout) as { anon_key: string; previous: Array<{ expires_at: string }> }
  t.not(rotated.anon_key, keys.PGSTACK_ANON_KEY)
  t.equal(rotated.previous.length, 1)
  t.equal(readEnv().PGSTACK_ANON_KEY, rotated.anon_key, '.env holds the new keys')
  // the running hub hears of the rotation by NOTIFY: the new key works once it has
  const status = (key: string) => fetch(`${url}/rest/v1/todos`, { headers: { apikey: key, authorization: `Bearer ${key}` } }).then((r) => r.status)
  const deadline = Date.now() + 15_000
  while ((await status(rotated.anon_key)) !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
  t.equal(await status(rotated.anon_key), 200, 'the running hub takes the new key')
  t.equal(await status(keys.PGSTACK_ANON_KEY!), 200, 'and, for its grace, the old one')

  // production mode against the same database: the compiled server
  const { databaseUrl } = JSON.parse(readFileSync(join(app, '.pgstack', 'stack.json'), 'utf8')) as { databaseUrl: string }
  const start = spawnInApp(bin(), ['start'], {
    DATABASE_URL: databaseUrl,
    PORT: '0',
    PGSTACK_AUTH_SITE_URL: 'http://localhost:5173',
    PGSTACK_AUTH_EXTERNAL_URL: 'http://localhost/auth/v1',
  })
  t.teardown(() => start.child.kill('SIGKILL'))
  const [, startUrl] = await waitFor(start, /pgStack listening on (http:\S+)/)
  t.match(start.output(), /Production mode/)
  const health = (await (await fetch(`${startUrl}/health`)).json()) as { status: string; pg_reactive: string }
  t.equal(health.status, 'ok')
  t.match(health.pg_reactive, /^\d+\.\d+/)
  start.child.kill('SIGINT')
  t.equal(await start.exited, 0)

  dev.child.kill('SIGINT')
  t.equal(await dev.exited, 0)
  t.match(dev.output(), /pgStack stopped\./)
})
