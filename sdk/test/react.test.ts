// useLiveQuery under react-test-renderer (no DOM): the hook renders each change of rows and
// state, re-subscribes when its inputs change, and closes its subscription and socket on unmount.
import t from 'tap'
import { createElement, type ReactElement } from 'react'
import TestRenderer, { act } from 'react-test-renderer'
import { createClient } from '@pgstack/sdk/pgstack'
import { useLiveQuery, type LiveQueryResult } from '@pgstack/sdk/react'
import { createFakeHub } from './fake-transport.ts'

;(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true

interface Todo {
  id: number
  title: string
}

function render(element: ReactElement) {
  let renderer!: TestRenderer.ReactTestRenderer
  act(() => {
    renderer = TestRenderer.create(element)
  })
  return renderer
}

t.test("useLiveQuery('active_todos', { url, token }) renders rows and state", async (t) => {
  const hub = createFakeHub()
  const renders: Array<LiveQueryResult<Todo>> = []
  function Todos(props: { owner: string }) {
    const result = useLiveQuery<Todo>('active_todos', {
      url: 'ws://127.0.0.1:8080',
      token: 'jwt-1',
      params: { owner: props.owner },
      transport: hub.factory,
    })
    renders.push(result)
    return createElement(
      'ul',
      null,
      ...result.rows.map((todo) => createElement('li', { key: todo.id }, todo.title)),
    )
  }
  const renderer = render(createElement(Todos, { owner: 'u1' }))
  t.equal(renders.at(-1)?.state, 'connecting')
  t.equal(hub.connections.length, 1)
  t.equal(hub.connections[0]!.url, 'ws://127.0.0.1:8080')
  await act(async () => {})
  t.equal(hub.connections[0]!.token, 'jwt-1', 'the socket connects with the token')
  t.same(hub.active()[0]!.target, { kind: 'named', name: 'active_todos', params: { owner: 'u1' } })

  const sink = hub.active()[0]!.sink
  act(() => sink.snapshot([{ key: '1', row: { id: 1, title: 'milk' } }], 1))
  t.equal(renders.at(-1)?.state, 'live')
  t.same(renderer.toJSON(), {
    type: 'ul',
    props: {},
    children: [{ type: 'li', props: {}, children: ['milk'] }],
  })
  act(() =>
    sink.changes([{ kind: 'insert', key: '2', row: { id: 2, title: 'eggs' }, index: 0 }], 2),
  )
  t.same(
    renders.at(-1)?.rows.map((r) => r.title),
    ['eggs', 'milk'],
  )
  act(() => sink.interrupted())
  t.equal(renders.at(-1)?.state, 'reconnecting')

  // New params: the old subscription closes, a new one opens on the same socket.
  act(() => renderer.update(createElement(Todos, { owner: 'u2' })))
  t.equal(hub.active().length, 1)
  t.same(hub.active()[0]!.target, { kind: 'named', name: 'active_todos', params: { owner: 'u2' } })
  t.equal(renders.at(-1)?.state, 'connecting')
  t.equal(hub.connections.length, 1, 'one socket for the same url and token')

  await act(async () => renderer.unmount())
  t.equal(hub.active().length, 0, 'unmount unsubscribes')
  t.equal(hub.connections[0]!.closed, true, 'the last user of a socket closes it')
})

t.test('useLiveQuery shows a refused subscription as error', async (t) => {
  const hub = createFakeHub()
  let last: LiveQueryResult<Todo> | undefined
  function View() {
    last = useLiveQuery<Todo>('secret', { url: 'ws://hub', transport: hub.factory })
    return null
  }
  const renderer = render(createElement(View))
  const error = {
    code: '42501',
    message: 'permission denied for table todos',
    details: null,
    hint: null,
  }
  act(() => hub.active()[0]!.sink.failed(error))
  t.equal(last?.state, 'error')
  t.same(last?.error, error)
  act(() => renderer.unmount())
})

t.test('useLiveQuery(() => builder.live()) follows a builder query', async (t) => {
  const hub = createFakeHub()
  const client = createClient('http://127.0.0.1:1', 'anon', {
    auth: { persistSession: false, autoRefreshToken: false },
    live: { transport: hub.factory },
  })
  t.teardown(() => client.close())
  let last: LiveQueryResult<Record<string, unknown>> | undefined
  function View() {
    last = useLiveQuery(
      () => client.from('todos').select('id,title').eq('done', false).order('id').live(),
      [],
    )
    return null
  }
  const renderer = render(createElement(View))
  const target = hub.active()[0]!.target
  t.same(target, {
    kind: 'query',
    relation: 'todos',
    query: 'select=id%2Ctitle&done=eq.false&order=id.asc',
  })
  t.equal(
    hub.connections[0]!.url,
    'http://127.0.0.1:1',
    'the client hands its hub URL to the transport',
  )
  act(() => hub.active()[0]!.sink.snapshot([{ key: '7', row: { id: 7, title: 'x' } }], 5))
  t.same(last?.rows, [{ id: 7, title: 'x' }])
  act(() => renderer.unmount())
  t.equal(hub.active().length, 0)
})

t.test("useLiveQuery(name, { client }) uses the client's connection and session", async (t) => {
  const hub = createFakeHub()
  const client = createClient('http://127.0.0.1:1', 'anon', {
    auth: { persistSession: false, autoRefreshToken: false },
    live: { transport: hub.factory },
  })
  t.teardown(() => client.close())
  let last: LiveQueryResult<Todo> | undefined
  function View() {
    last = useLiveQuery<Todo>('active_todos', { client, params: [false] })
    return null
  }
  const renderer = render(createElement(View))
  await act(async () => {})
  t.equal(hub.connections.length, 1)
  t.equal(hub.connections[0]!.token, 'anon', 'no session yet: the anon key')
  t.same(hub.active()[0]!.target, { kind: 'named', name: 'active_todos', params: [false] })
  act(() => hub.active()[0]!.sink.snapshot([{ key: '1', row: { id: 1, title: 'a' } }], 1))
  t.same(last?.rows, [{ id: 1, title: 'a' }])
  await act(async () => renderer.unmount())
  t.equal(hub.active().length, 0)
  t.equal(hub.connections[0]!.closed, false, "the client's socket outlives the component")
})
