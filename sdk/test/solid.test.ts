// createLiveQuery with solid-js's reactive (non-DOM) build, in a child process started with the
// `browser` export condition; the scenario lives in solid-scenario.ts.
import t from 'tap'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { join } from 'node:path'
import { startSdkStack } from './stack.ts'

// Asynchronous on purpose: the hub under test runs in this process and must keep answering.
const run = async (script: string, env: Record<string, string> = {}) => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--conditions=browser', '--import=tsx', join(import.meta.dirname, script)],
    { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 },
  )
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>
}

t.test('createLiveQuery drives Solid effects and closes with its root', async (t) => {
  const result = await run('solid-scenario.ts')
  t.same(result.seen, ['connecting:', 'live:milk', 'live:milk,eggs', 'error:milk,eggs'])
  t.same(result.target, { kind: 'named', name: 'active_todos', params: { owner: 'u1' } })
  t.equal(result.token, 'jwt')
  t.equal(result.activeAfterDispose, 0, 'disposing the root unsubscribes')
  t.equal(result.socketClosed, true, 'and closes the shared socket')
  t.same(result.builderSeen, ['live:[{"done":false}]', 'closed'])
})

t.test("createLiveQuery('active_todos', { url, token }) against the hub", async (t) => {
  const stack = await startSdkStack(t)
  await stack.sql(
    `SELECT pgr.define('active_todos', 'SELECT id, title, created_at FROM todos WHERE done = $1 ORDER BY created_at DESC, id', '{boolean}')`,
  )
  const result = await run('solid-live-scenario.ts', {
    PGSTACK_URL: stack.url,
    PGSTACK_ANON_KEY: stack.anonKey,
  })
  t.same(result, {
    states: ['connecting', 'live'],
    first: 'from solid',
    count: 4,
    finalState: 'closed',
  })
})
