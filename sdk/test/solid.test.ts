// createLiveQuery with solid-js's reactive (non-DOM) build, in a child process started with the
// `browser` export condition; the scenario lives in solid-scenario.ts.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'

t.test('createLiveQuery drives Solid effects and closes with its root', async (t) => {
  const out = execFileSync(
    process.execPath,
    ['--conditions=browser', '--import=tsx', join(import.meta.dirname, 'solid-scenario.ts')],
    { encoding: 'utf8' },
  )
  const result = JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>
  t.same(result.seen, ['connecting:', 'live:milk', 'live:milk,eggs', 'error:milk,eggs'])
  t.same(result.target, { kind: 'named', name: 'active_todos', params: { owner: 'u1' } })
  t.equal(result.token, 'jwt')
  t.equal(result.activeAfterDispose, 0, 'disposing the root unsubscribes')
  t.equal(result.socketClosed, true, 'and closes the shared socket')
  t.same(result.builderSeen, ['live:[{"done":false}]', 'closed'])
})
