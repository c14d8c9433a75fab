// @pgstack/sdk as a user gets it: `npm pack -w sdk` on this checkout (its prepack builds dist/),
// the tarball installed into an empty folder, and the README's quick example (installed/
// quick-example.mjs) run from a plain .mjs file with no loader against a hub on Node 20: on Node 20
// (ws passed in, or --experimental-websocket), 22 and 24 (global WebSocket; binaries of the npm
// package `node`).
import t from 'tap'
import { execFile } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { nodeBinary, userCommand, userEnv } from '@pgstack/infra/testing'
import { startSdkStack } from './stack.ts'

t.setTimeout(900_000)

// Asynchronous on purpose: the hub under test runs in this process and must keep answering.
// Every command runs as a user's shell would run it (no NODE_OPTIONS of the test run).
const exec = (file: string, args: string[], options: { cwd: string; timeout?: number }) =>
  promisify(execFile)(...userCommand(file, args), { ...options, env: userEnv(), encoding: 'utf8' })
const root = join(import.meta.dirname, '..', '..')
const stack = await startSdkStack(t)
const work = mkdtempSync(join(tmpdir(), 'pgstack-sdk-installed-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))
const app = join(work, 'app')
let pack: { filename: string; files: Array<{ path: string }> }

t.before(async () => {
  const packed = await exec('npm', ['pack', '-w', 'sdk', '--pack-destination', work, '--json'], { cwd: root })
  pack = (JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<typeof pack>)[0]!
  mkdirSync(app)
  const install = ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, pack.filename), 'ws']
  await exec('npm', install, { cwd: app })
  copyFileSync(join(import.meta.dirname, 'installed', 'quick-example.mjs'), join(app, 'quick-example.mjs'))
})

t.test('the tarball ships the build and nothing else', async (t) => {
  const paths = pack.files.map((file) => file.path).sort()
  for (const entry of ['index', 'pgstack', 'react', 'solid']) {
    t.ok(paths.includes(`dist/${entry}.js`), `dist/${entry}.js`)
    t.ok(paths.includes(`dist/${entry}.d.ts`), `dist/${entry}.d.ts`)
  }
  t.same(paths.filter((path) => !path.startsWith('dist/')), ['README.md', 'package.json'])
  t.notOk(paths.some((path) => path.endsWith('.ts') && !path.endsWith('.d.ts')), 'no TypeScript sources')
  t.notOk(paths.some((path) => /test|tsbuildinfo/.test(path)), 'no tests, no build state')
})

t.test('it installs into an empty folder as a package of its own', async (t) => {
  const installed = join(app, 'node_modules', '@pgstack', 'sdk')
  t.ok(existsSync(join(installed, 'dist', 'pgstack.js')))
  t.notOk(existsSync(join(installed, 'src')), 'no sources came along')
  t.same(readdirSync(join(app, 'node_modules', '@pgstack')), ['sdk'], 'and no other workspace package')
})

const fixtureTitles = ['buy milk', 'write report', 'call mum'] // not done, by id
const newestFirst = ['call mum', 'write report', 'buy milk'] // not done, by created_at desc

const variants: Array<{ name: string; node: () => Promise<string>; flags: string[]; websocket: string; version: RegExp }> = [
  { name: 'Node 20 with ws', node: async () => process.execPath, flags: [], websocket: 'ws', version: /^v20\./ },
  { name: 'Node 20 with --experimental-websocket', node: async () => process.execPath, flags: ['--experimental-websocket'], websocket: 'global', version: /^v20\./ },
  { name: 'Node 22', node: () => nodeBinary(22), flags: [], websocket: 'global', version: /^v22\./ },
  { name: 'Node 24', node: () => nodeBinary(24), flags: [], websocket: 'global', version: /^v24\./ },
]

for (const variant of variants) {
  t.test(`the quick example runs from a plain .mjs on ${variant.name}`, async (t) => {
    // A user of its own: the rows it inserts are private to it (RLS), so each run sees the fixture.
    const email = `quick-${variant.name.replace(/\W+/g, '-').toLowerCase()}@example.com`
    const password = 'quick example password'
    const signedUp = await stack.client().auth.signUp({ email, password })
    t.error(signedUp.error)
    const title = `added on ${variant.name} ✓`
    const node = await variant.node()
    const args = [...variant.flags, 'quick-example.mjs', stack.url, stack.anonKey, email, password, title]
    const { stdout } = await exec(node, args, { cwd: app, timeout: 120_000 })
    const seen = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>
    t.match(seen.node, variant.version)
    t.equal(seen.websocket, variant.websocket)
    t.same(seen.todos, newestFirst, 'from(todos)…order() as the README shows')
    t.same(seen.before, fixtureTitles, 'the live query starts from the rows')
    t.same(seen.after, [...fixtureTitles, title], 'and follows the insert')
  })
}
