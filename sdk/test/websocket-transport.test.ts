// The live protocol v1 client (websocketTransport) against a scripted server on the `ws`
// package: auth as first message, subscribe shapes, snapshot and deltas, sequence rules, gap
// recovery, reconnect with resume, token refresh and expiry, heartbeat watchdog.
import t from 'tap'
import { WebSocket, WebSocketServer, type WebSocket as ServerSocket } from 'ws'
import {
  createLiveClient,
  liveUrl,
  websocketTransport,
  type WebSocketConstructor,
} from '@pgstack/sdk/pgstack'

type Message = Record<string, unknown> & { type: string }

interface Scripted {
  url: string
  sockets: ServerSocket[]
  /** Every message the server received, in order, with the socket's index. */
  received: Array<Message & { socket: number }>
  next(type: string, after?: number): Promise<Message & { socket: number }>
  send(message: object, socket?: number): void
  close(): Promise<void>
}

interface TestLike {
  equal(found: unknown, wanted: unknown, message: string): unknown
  teardown(fn: () => unknown): void
}

async function scriptedServer(t: TestLike): Promise<Scripted> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  await new Promise((resolve) => wss.once('listening', resolve))
  const port = (wss.address() as { port: number }).port
  const server: Scripted = {
    url: `http://127.0.0.1:${port}`,
    sockets: [],
    received: [],
    async next(type, after = 0) {
      for (;;) {
        const found = server.received.slice(after).find((m) => m.type === type)
        if (found) return found
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    },
    send(message, socket = server.sockets.length - 1) {
      server.sockets[socket]!.send(JSON.stringify(message))
    },
    close: () => new Promise((resolve) => wss.close(() => resolve())),
  }
  wss.on('connection', (socket, request) => {
    t.equal(request.url, '/live/v1', 'the transport connects to /live/v1, token not in the URL')
    const index = server.sockets.push(socket) - 1
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as Message
      server.received.push({ ...message, socket: index })
      if (message.type === 'auth')
        socket.send(
          JSON.stringify({
            type: 'welcome',
            role: 'authenticated',
            expires_at: null,
            heartbeat_ms: 25_000,
          }),
        )
    })
  })
  t.teardown(async () => {
    for (const socket of server.sockets) socket.terminate()
    await server.close()
  })
  return server
}

const transport = websocketTransport({
  WebSocket: WebSocket as unknown as WebSocketConstructor,
  reconnect: { minMs: 10, maxMs: 20 },
})
const until = async (check: () => boolean) => {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5))
}

t.test('liveUrl maps the hub URL to its live endpoint', async (t) => {
  t.equal(liveUrl('http://h:8080'), 'ws://h:8080/live/v1')
  t.equal(liveUrl('https://h/base/'), 'wss://h/base/live/v1')
  t.equal(liveUrl('ws://127.0.0.1:8080'), 'ws://127.0.0.1:8080/live/v1')
  t.equal(liveUrl('wss://h/live/v1'), 'wss://h/live/v1')
})

t.test('subscribe, snapshot, deltas with sequence rules, unsubscribe', async (t) => {
  const server = await scriptedServer(t)
  const client = createLiveClient({ url: server.url, getToken: async () => 'jwt-1', transport })
  t.teardown(() => client.close())
  const query = client.live<{ id: number; title: string }>('active_todos', { params: ['u1'] })
  const auth = await server.next('auth')
  t.same(auth, { type: 'auth', token: 'jwt-1', socket: 0 }, 'the token is the first message')
  const sub = await server.next('subscribe')
  t.same(sub, { type: 'subscribe', id: sub.id, query: 'active_todos', params: ['u1'], socket: 0 })

  server.send({
    type: 'snapshot',
    id: sub.id,
    feed: 12,
    seq: 40,
    key: ['id'],
    rows: [{ key: '[1]', row: { id: 1, title: 'milk' } }],
  })
  server.send({ type: 'state', id: sub.id, state: 'live', seq: 40 })
  await until(() => query.state === 'live')
  t.same(query.rows, [{ id: 1, title: 'milk' }])

  server.send({ type: 'delta', feed: 99, seq: 41, ops: [{ op: 'delete', key: '[1]' }] }) // another feed
  server.send({ type: 'delta', feed: 12, seq: 40, ops: [{ op: 'delete', key: '[1]' }] }) // duplicate
  server.send({
    type: 'delta',
    feed: 12,
    seq: 41,
    ops: [
      { op: 'update', key: '[1]', index: 0, row: { id: 1, title: 'oat milk' } },
      { op: 'insert', key: '[7]', index: 0, row: { id: 7, title: 'eggs' } },
    ],
  })
  await until(() => query.sequence === 41)
  t.same(query.rows, [
    { id: 7, title: 'eggs' },
    { id: 1, title: 'oat milk' },
  ])

  // A gap: the transport re-subscribes from what it has instead of applying out of order.
  const mark = server.received.length
  server.send({ type: 'delta', feed: 12, seq: 43, ops: [{ op: 'delete', key: '[7]' }] })
  const unsubscribe = await server.next('unsubscribe', mark)
  t.equal(unsubscribe.id, sub.id)
  const again = await server.next('subscribe', mark)
  t.same(again.resume, { feed: 12, seq: 41 }, 'resumes from the last applied sequence')
  t.not(again.id, sub.id, 'under a fresh id')
  t.equal(query.rows.length, 2, 'the out-of-order delta was not applied')
  server.send({ type: 'resumed', id: again.id, feed: 12, seq: 41 })
  server.send({ type: 'delta', feed: 12, seq: 42, ops: [{ op: 'delete', key: '[1]' }] })
  server.send({ type: 'delta', feed: 12, seq: 43, ops: [{ op: 'delete', key: '[7]' }] })
  await until(() => query.sequence === 43)
  t.same(query.rows, [])

  query.close()
  const bye = await server.next('unsubscribe', mark + 2)
  t.equal(bye.id, again.id)
})

t.test('a builder query subscribes with rest; errors end only their subscription', async (t) => {
  const server = await scriptedServer(t)
  const client = createLiveClient({ url: server.url, getToken: async () => 'jwt', transport })
  t.teardown(() => client.close())
  const builder = client.open({
    kind: 'query',
    relation: 'todos',
    schema: 'public',
    query: 'select=*&done=eq.false',
  })
  const named = client.live('nope')
  const first = await server.next('subscribe')
  await until(() => server.received.filter((m) => m.type === 'subscribe').length === 2)
  const [a, b] = server.received.filter((m) => m.type === 'subscribe')
  t.same(a!.rest ?? b!.rest, {
    relation: 'todos',
    schema: 'public',
    query: 'select=*&done=eq.false',
  })
  const nopeId = a!.query === 'nope' ? a!.id : b!.id
  const restId = a!.query === 'nope' ? b!.id : a!.id
  void first
  server.send({
    type: 'error',
    id: nopeId,
    code: '42704',
    message: 'live query "nope" does not exist',
    details: null,
    hint: 'Define it with pgr.define() first.',
  })
  server.send({
    type: 'closed',
    id: nopeId,
    error: { code: '42704', message: 'x', details: null, hint: null },
  })
  server.send({ type: 'snapshot', id: restId, feed: 3, seq: 1, key: ['id'], rows: [] })
  await until(() => named.state === 'error' && builder.state === 'live')
  t.equal(named.error?.code, '42704')
  t.equal(named.error?.hint, 'Define it with pgr.define() first.')

  // A feed's evaluation error is shown but not terminal; the next delta clears it.
  server.send({
    type: 'error',
    feed: 3,
    code: 'P0001',
    message: 'policy raised',
    details: null,
    hint: null,
  })
  await until(() => builder.error !== null)
  t.equal(builder.state, 'live')
  server.send({
    type: 'delta',
    feed: 3,
    seq: 2,
    ops: [{ op: 'insert', key: '[1]', index: 0, row: { id: 1 } }],
  })
  await until(() => builder.sequence === 2)
  t.equal(builder.error, null)
})

t.test(
  'a dropped socket reconnects, re-authenticates and resumes every subscription',
  async (t) => {
    const server = await scriptedServer(t)
    let token = 'jwt-1'
    const client = createLiveClient({ url: server.url, getToken: async () => token, transport })
    t.teardown(() => client.close())
    const one = client.live('a', { params: [1] })
    const two = client.live('b')
    await until(() => server.received.filter((m) => m.type === 'subscribe').length === 2)
    for (const sub of server.received.filter((m) => m.type === 'subscribe')) {
      const feed = sub.query === 'a' ? 1 : 2
      server.send({
        type: 'snapshot',
        id: sub.id,
        feed,
        seq: 10,
        key: ['id'],
        rows: [{ key: `[${feed}]`, row: { id: feed } }],
      })
    }
    await until(() => one.state === 'live' && two.state === 'live')

    token = 'jwt-2'
    const mark = server.received.length
    server.sockets[0]!.terminate()
    await until(() => one.state === 'reconnecting' && two.state === 'reconnecting')
    t.same(one.rows, [{ id: 1 }], 'rows are kept while reconnecting')
    const auth = await server.next('auth', mark)
    t.same(auth, { type: 'auth', token: 'jwt-2', socket: 1 }, 'reconnects with the current token')
    await until(
      () => server.received.slice(mark).filter((m) => m.type === 'subscribe').length === 2,
    )
    const resubs = server.received.slice(mark).filter((m) => m.type === 'subscribe')
    t.same(resubs.map((m) => [m.query, m.resume]).sort(), [
      ['a', { feed: 1, seq: 10 }],
      ['b', { feed: 2, seq: 10 }],
    ])
    const resubA = resubs.find((m) => m.query === 'a')!
    t.same(resubA.params, [1])
    server.send({ type: 'resumed', id: resubA.id, feed: 1, seq: 10 })
    server.send({
      type: 'delta',
      feed: 1,
      seq: 11,
      ops: [{ op: 'insert', key: '[5]', index: 1, row: { id: 5 } }],
    })
    server.send({ type: 'state', id: resubA.id, state: 'live' })
    await until(() => one.state === 'live')
    t.same(one.rows, [{ id: 1 }, { id: 5 }], 'missed deltas apply on top of the kept rows')
    const resubB = resubs.find((m) => m.query === 'b')!
    server.send({ type: 'snapshot', id: resubB.id, feed: 8, seq: 1, key: ['id'], rows: [] })
    await until(() => two.state === 'live')
    t.same(two.rows, [], 'a resync replaces the rows')
  },
)

t.test(
  'token refresh is sent on the open socket; expiry resumes with a fresher token',
  async (t) => {
    const server = await scriptedServer(t)
    let token = 'jwt-1'
    const client = createLiveClient({ url: server.url, getToken: async () => token, transport })
    t.teardown(() => client.close())
    const query = client.live('a')
    const sub = await server.next('subscribe')
    server.send({ type: 'snapshot', id: sub.id, feed: 1, seq: 5, key: null, rows: [] })
    await until(() => query.state === 'live')

    client.setToken('jwt-2')
    await until(() => server.received.filter((m) => m.type === 'auth').length === 2)
    t.same(
      server.received.filter((m) => m.type === 'auth').map((m) => m.token),
      ['jwt-1', 'jwt-2'],
    )
    t.equal(server.sockets.length, 1, 'no reconnect for a refreshed token')

    token = 'jwt-3'
    const mark = server.received.length
    server.send({
      type: 'closed',
      id: sub.id,
      error: { code: 'PGRST303', message: 'JWT expired', details: null, hint: null },
    })
    const auth = await server.next('auth', mark)
    t.equal(auth.token, 'jwt-3')
    const resub = await server.next('subscribe', mark)
    t.same(resub.resume, { feed: 1, seq: 5 })
    t.equal(query.state, 'live', 'still live while it resumes')

    // Expired with no fresher token: the subscription ends with the server's error.
    const mark2 = server.received.length
    server.send({
      type: 'closed',
      id: resub.id,
      error: { code: 'PGRST303', message: 'JWT expired', details: null, hint: null },
    })
    await until(() => query.state === 'error')
    t.equal(query.error?.code, 'PGRST303')
    t.equal(server.received.slice(mark2).filter((m) => m.type === 'subscribe').length, 0)
  },
)

t.test('an invalid token before welcome fails the pending subscriptions', async (t) => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  await new Promise((resolve) => wss.once('listening', resolve))
  t.teardown(() => new Promise<void>((resolve) => wss.close(() => resolve())))
  wss.on('connection', (socket) =>
    socket.on('message', () =>
      socket.send(
        JSON.stringify({
          type: 'error',
          code: 'PGRST301',
          message: 'JWT invalid',
          details: null,
          hint: null,
        }),
      ),
    ),
  )
  const client = createLiveClient({
    url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`,
    getToken: async () => 'bad',
    transport,
  })
  t.teardown(() => client.close())
  const query = client.live('a')
  await until(() => query.state === 'error')
  t.equal(query.error?.code, 'PGRST301')
})
