// Run by solid.test.ts under `--conditions=browser` against a running hub (PGSTACK_URL,
// PGSTACK_ANON_KEY): createLiveQuery exactly as an app calls it, with the global WebSocket; a write
// through /rest/v1 must show up in a Solid effect. Prints one JSON object with what it observed.
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { createEffect, createRoot } from 'solid-js'
import { createClient } from '@pgstack/sdk/pgstack'
import { createLiveQuery } from '@pgstack/sdk/solid'

// Under the browser condition `ws` resolves to its browser stub; load its Node entry by path.
const require = createRequire(import.meta.url)
const { WebSocket } = require(join(dirname(require.resolve('ws/package.json')), 'index.js')) as {
  WebSocket: unknown
}
;(globalThis as { WebSocket?: unknown }).WebSocket = WebSocket
const url = process.env.PGSTACK_URL!
const token = process.env.PGSTACK_ANON_KEY!
const pgstack = createClient(url, token, {
  auth: { persistSession: false, autoRefreshToken: false },
})
const titles: string[][] = []
const states: string[] = []

const { dispose, todos } = createRoot((dispose) => {
  const todos = createLiveQuery<{ title: string }>('active_todos', {
    url: url.replace('http', 'ws'),
    token,
    params: [false],
  })
  createEffect(() => {
    states.push(todos.state)
    titles.push(todos.rows.map((r) => r.title))
  })
  return { dispose, todos }
})

const until = async (check: () => boolean) => {
  const end = Date.now() + 10_000
  while (!check() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 10))
}
await until(() => todos.state === 'live')
await pgstack.from('todos').insert({ title: 'from solid' })
await until(() => todos.rows[0]?.title === 'from solid')
const last = titles.at(-1)
dispose()
await pgstack.close()
console.log(
  JSON.stringify({
    states: [...new Set(states)],
    first: last?.[0],
    count: last?.length,
    finalState: todos.state,
  }),
)
process.exit(0)
