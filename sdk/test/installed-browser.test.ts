// @pgstack/sdk in a browser as a user's app gets it: the packed tarball installed into an empty
// folder with React, Solid and Vite, a tiny page (installed/browser-app) bundled by Vite, loaded
// in Chromium against a hub; the same live query through useLiveQuery (React) and createLiveQuery
// (Solid) shows the rows, then a row inserted in PostgreSQL appears in both.
import t from 'tap'
import { execFile } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { extname, join, normalize } from 'node:path'
import { promisify } from 'node:util'
import { launchBrowser } from '@pgstack/infra/browser'
import { userCommand, userEnv } from '@pgstack/infra/testing'
import { startSdkStack } from './stack.ts'

t.setTimeout(600_000)

const root = join(import.meta.dirname, '..', '..')
// Asynchronous on purpose: the hub under test runs in this process and must keep answering.
const exec = (file: string, args: string[], cwd: string) =>
  promisify(execFile)(...userCommand(file, args), { cwd, env: userEnv(), encoding: 'utf8' })
/** The version this checkout installed, so that npm finds it in its cache. */
const installed = (name: string) =>
  `${name}@${(JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version}`

const stack = await startSdkStack(t)
const work = mkdtempSync(join(tmpdir(), 'pgstack-sdk-browser-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))
const app = join(work, 'app')

t.before(async () => {
  const packed = await exec('npm', ['pack', '-w', 'sdk', '--pack-destination', work, '--json'], root)
  const { filename } = (JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string }>)[0]!
  cpSync(join(import.meta.dirname, 'installed', 'browser-app'), app, { recursive: true })
  const packages = [join(work, filename), installed('react'), installed('react-dom'), installed('solid-js'), installed('vite')]
  await exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...packages], app)
  await exec(process.execPath, [join(app, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--base', './', '--logLevel', 'warn'], app)
})

/** Serves the app's Vite build (dist/) on a free loopback port. */
async function serveBuild(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const dist = join(app, 'dist')
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' }
  const server = createServer((req, res) => {
    const path = normalize(new URL(req.url!, 'http://x').pathname).replace(/^\/+/, '') || 'index.html'
    try {
      const body = readFileSync(join(dist, path))
      res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(body)
    } catch {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  const address = server.address() as { port: number }
  return `http://127.0.0.1:${address.port}/`
}

t.test('a Vite-bundled page shows a live query through React and Solid, and a new row appears in both', async (t) => {
  const email = 'browser@example.com'
  const password = 'browser page password'
  t.error((await stack.client().auth.signUp({ email, password })).error)
  const base = await serveBuild(t)
  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const page = await browser.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  const query = new URLSearchParams({ url: stack.url, key: stack.anonKey, email, password })
  await page.goto(`${base}?${query}`)

  const titles = (list: string) => page.$$eval(`#${list} li`, (items) => items.map((item) => item.textContent))
  for (const list of ['react', 'solid']) {
    await page.waitForSelector(`#${list}[data-state="live"]`, { timeout: 30_000 })
  }
  const fixture = ['buy milk', 'write report', 'call mum']
  t.same(await titles('react'), fixture, 'React: the rows')
  t.same(await titles('solid'), fixture, 'Solid: the rows')

  await stack.sql(`INSERT INTO public.todos (title) VALUES ('seen in the browser ✓')`)
  for (const list of ['react', 'solid']) {
    await page.waitForFunction(
      (id) => [...document.querySelectorAll(`#${id} li`)].some((item) => item.textContent === 'seen in the browser ✓'),
      list,
      { timeout: 30_000 },
    )
  }
  t.same(await titles('react'), [...fixture, 'seen in the browser ✓'], 'React: the insert appeared')
  t.same(await titles('solid'), [...fixture, 'seen in the browser ✓'], 'Solid: the insert appeared')
  t.same(errors, [], 'no page errors')
})
