// Run by solid.test.ts under `--conditions=browser`: in Node, solid-js otherwise resolves to its
// server build, which has no reactivity. Prints one JSON object with what it observed.
import { createEffect, createRoot, createSignal } from 'solid-js'
import { createLiveQuery } from '@pgstack/sdk/solid'
import { createFakeHub } from './fake-transport.ts'

const hub = createFakeHub()
const seen: string[] = []
const tick = () => new Promise((resolve) => setTimeout(resolve, 0))

const dispose = createRoot((dispose) => {
  const todos = createLiveQuery<{ id: number; title: string }>('active_todos', {
    url: 'ws://127.0.0.1:8080',
    token: 'jwt',
    params: { owner: 'u1' },
    transport: hub.factory,
  })
  createEffect(() => seen.push(`${todos.state}:${todos.rows.map((r) => r.title).join(',')}`))
  return dispose
})
await tick()
const sink = hub.active()[0]!.sink
sink.snapshot([{ key: '1', row: { id: 1, title: 'milk' } }], 1)
await tick()
sink.changes([{ kind: 'insert', key: '2', row: { id: 2, title: 'eggs' }, index: 1 }], 2)
await tick()
sink.failed({ code: 'PGRST301', message: 'JWT expired', details: null, hint: null })
await tick()
const target = hub.active()[0]!.target
dispose()
await tick()

// A reactive source: the builder form follows its inputs inside createRoot.
const [done] = createSignal(false)
const builderSeen: string[] = []
createRoot((disposeBuilder) => {
  const q = createLiveQuery(() => ({
    rows: [{ done: done() }],
    state: 'live',
    error: null,
    sequence: 1,
    subscribe: () => () => {},
    close: () => builderSeen.push('closed'),
  }))
  builderSeen.push(`${q.state}:${JSON.stringify(q.rows)}`)
  disposeBuilder()
})

console.log(
  JSON.stringify({
    seen,
    target,
    token: hub.connections[0]?.token,
    activeAfterDispose: hub.active().length,
    socketClosed: hub.connections[0]?.closed,
    builderSeen,
  }),
)
