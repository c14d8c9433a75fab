import t from 'tap'
import { applyChanges, createLiveClient } from '@pgstack/sdk/pgstack'
import { createFakeHub } from './fake-transport.ts'

interface Todo {
  id: number
  title: string
}
const row = (id: number, title = `t${id}`): Todo => ({ id, title })

t.test('applyChanges keeps rows in the order the server states', async (t) => {
  const keys = ['1', '2', '3']
  const rows = [row(1), row(2), row(3)]
  const out = applyChanges(keys, rows, [
    { kind: 'insert', key: '4', row: row(4), index: 0 },
    { kind: 'update', key: '2', row: row(2, 'moved'), index: 3 },
    { kind: 'delete', key: '1' },
  ])
  t.same(out.keys, ['4', '3', '2'])
  t.same(out.rows, [row(4), row(3), row(2, 'moved')])
  t.same(rows, [row(1), row(2), row(3)], 'the input is not mutated')
  t.same(
    applyChanges(['1'], [row(1)], [{ kind: 'delete', key: '9' }]).keys,
    ['1'],
    'deleting an unknown key is a no-op',
  )
  t.same(
    applyChanges([], [], [{ kind: 'insert', key: '1', row: row(1), index: 99 }]).keys,
    ['1'],
    'an index past the end appends',
  )
})

t.test('a live query goes connecting → live → reconnecting → live, then closed', async (t) => {
  const hub = createFakeHub()
  const client = createLiveClient({
    url: 'ws://hub',
    getToken: async () => 'tok',
    transport: hub.factory,
  })
  t.equal(hub.connections.length, 0, 'no socket before the first live query')
  const query = client.live<Todo>('active_todos', { params: { owner: 'u1' } })
  t.equal(hub.connections.length, 1)
  t.same(hub.active()[0]?.target, { kind: 'named', name: 'active_todos', params: { owner: 'u1' } })
  t.equal(query.state, 'connecting')
  t.same(query.rows, [])

  const seen: string[] = []
  query.subscribe((q) => seen.push(`${q.state}:${q.rows.length}:${q.sequence}`))
  const sink = hub.active()[0]!.sink
  sink.snapshot([{ key: '1', row: row(1) }], 10)
  t.equal(query.state, 'live')
  const before = query.rows
  sink.changes([{ kind: 'insert', key: '2', row: row(2), index: 1 }], 11)
  t.not(query.rows, before, 'rows are replaced, not mutated')
  t.same(query.rows, [row(1), row(2)])
  t.equal(sink.lastSequence(), 11, 'the transport resumes from the last applied sequence')
  sink.interrupted()
  t.equal(query.state, 'reconnecting')
  t.same(query.rows, [row(1), row(2)], 'rows survive a dropped connection')
  sink.changes([{ kind: 'delete', key: '1' }], 12)
  t.same(seen, ['live:1:10', 'live:2:11', 'reconnecting:2:11', 'live:1:12'])

  // A second query shares the socket.
  const other = client.live('other')
  t.equal(hub.connections.length, 1)
  query.close()
  t.equal(query.state, 'closed')
  t.equal(hub.subscriptions[0]!.active, false, 'close unsubscribes')
  sink.changes([{ kind: 'insert', key: '3', row: row(3), index: 0 }], 13)
  t.same(query.rows, [row(2)], 'nothing applies after close')
  other.close()
  client.close()
  t.equal(hub.connections[0]!.closed, true)
})

t.test('a refused subscription is an error state with the server error', async (t) => {
  const hub = createFakeHub()
  const client = createLiveClient({
    url: 'ws://hub',
    getToken: async () => null,
    transport: hub.factory,
  })
  const query = client.live('nope')
  const error = { code: 'PGRST202', message: 'no such live query', details: null, hint: null }
  hub.active()[0]!.sink.failed(error)
  t.equal(query.state, 'error')
  t.same(query.error, error)
  hub.active()[0]!.sink.interrupted()
  t.equal(query.state, 'error', 'an error is terminal')
  client.close()
})

t.test('without a WebSocket implementation, live queries fail with one clear error', async (t) => {
  // Whatever this runtime has (Node 22+ and browsers have a global WebSocket), take it away.
  const had = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket')
  delete (globalThis as { WebSocket?: unknown }).WebSocket
  t.teardown(() => {
    if (had) Object.defineProperty(globalThis, 'WebSocket', had)
  })
  t.equal((globalThis as { WebSocket?: unknown }).WebSocket, undefined)
  const client = createLiveClient({ url: 'ws://hub', getToken: async () => null })
  const query = client.live('active_todos')
  await new Promise((resolve) => setTimeout(resolve, 0))
  t.equal(query.state, 'error')
  t.equal(query.error?.code, 'PGSTACK_NO_WEBSOCKET')
  client.close()
})

t.test('setToken reaches an open transport, once per change', async (t) => {
  const hub = createFakeHub()
  const client = createLiveClient({
    url: 'ws://hub',
    getToken: async () => 'a',
    transport: hub.factory,
  })
  client.setToken('before-connect')
  const query = client.live('q')
  client.setToken('b')
  client.setToken('b')
  client.setToken(null)
  t.same(hub.connections[0]!.tokens, ['b', null])
  query.close()
  client.close()
})
