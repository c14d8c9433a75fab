import t from 'tap'
import { SignJWT } from 'jose'
import type { WebSocket } from 'uWebSockets.js'
import { TokenVerifier } from '@pgstack/common'
import { tokenKeys } from '../jwt-keys.ts'
import { deltaPayload, fakePgr, insertOps, registryWith } from './fake-pgr.ts'
import { LiveSession, type SocketData } from './session.ts'

const SECRET = 'a-test-secret-of-at-least-thirty-two-characters'
const sign = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(SECRET))

/** uWebSockets.js's WebSocket as the session uses it: what it sends, its topics, its buffer. */
function fakeSocket(token: string | null) {
  const sent: Array<Record<string, unknown>> = []
  const topics = new Set<string>()
  const socket = {
    buffered: 0,
    ended: null as number | null,
    data: { token } as SocketData,
    getUserData: () => socket.data,
    cork: (fn: () => void) => fn(),
    send: (message: string) => (sent.push(JSON.parse(message) as Record<string, unknown>), 1),
    getBufferedAmount: () => socket.buffered,
    subscribe: (topic: string) => topics.add(topic),
    unsubscribe: (topic: string) => topics.delete(topic),
    end: (code: number) => void (socket.ended = code),
  }
  return { ws: socket as unknown as WebSocket<SocketData>, socket, sent, topics }
}

function setup(t: { teardown(fn: () => unknown): void }, token: string | null, options: { maxSubscriptions?: number } = {}) {
  const fake = fakePgr()
  const { registry, published } = registryWith(fake.pgr)
  const s = fakeSocket(token)
  const session = new LiveSession(s.ws, {
    verifier: new TokenVerifier(tokenKeys(SECRET)),
    registry,
    heartbeatMs: 25_000,
    maxSubscriptions: options.maxSubscriptions ?? 100,
    highWater: 1000,
    authTimeoutMs: 10_000,
    log: () => {},
  })
  t.teardown(() => session.onClose())
  return { ...fake, ...s, session, registry, published }
}

const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5))
  if (!check()) throw new Error(`timed out waiting for ${what}`)
}
const types = (sent: Array<Record<string, unknown>>) => sent.map((m) => (m.type === 'state' ? `state:${m.state}` : m.type))

t.test('subscribe: welcome, snapshot, live on the feed\'s topic; closing the socket releases the feed', async (t) => {
  const s = setup(t, await sign({ role: 'authenticated', sub: 'ann' }))
  s.session.onMessage(JSON.stringify({ type: 'subscribe', id: 's1', query: 'todos', params: [] }))
  await until(() => types(s.sent).includes('state:live'), 'live')
  t.same(types(s.sent), ['welcome', 'snapshot', 'state:live'])
  t.same(s.sent[1], { type: 'snapshot', id: 's1', feed: 12, seq: 0, key: ['id'], rows: [{ key: '[1]', row: { id: 1 } }] })
  t.ok(s.topics.has('feed:12'))
  s.registry.onNotification(deltaPayload(1, insertOps('2')))
  t.same(s.published.at(-1), ['feed:12', `{"type":"delta","feed":12,"seq":1,"ops":${insertOps('2')}}`], 'deltas go to the topic, once')
  s.session.onClose()
  await until(() => s.calls.includes('unsubscribe'), 'unsubscribe')
  t.equal(s.registry.feeds().length, 0, 'the last lease gone, the feed is gone')
})

t.test('messages a client gets wrong are answered in PostgREST\'s error shape, never by closing', async (t) => {
  const s = setup(t, null, { maxSubscriptions: 1 })
  s.session.onMessage('{"type":"subscribe","id":"s0","query":"todos"}')
  await until(() => s.sent.length === 1, 'the refusal')
  t.match(s.sent[0], { type: 'error', id: 's0', code: 'PGSL002' })
  s.session.onMessage(JSON.stringify({ type: 'auth', token: await sign({ role: 'anon' }) }))
  s.session.onMessage('not json')
  s.session.onMessage('{"type":"unsubscribe","id":"nope"}')
  s.session.onMessage('{"type":"subscribe","id":"s1","query":"todos"}')
  s.session.onMessage('{"type":"subscribe","id":"s1","query":"todos"}')
  s.session.onMessage('{"type":"subscribe","id":"s2","query":"todos"}')
  await until(() => s.sent.filter((m) => m.type === 'error').length === 5, 'five errors')
  t.same(s.sent.filter((m) => m.type === 'error').map((m) => m.code), ['PGSL002', 'PGSL001', 'PGSL004', 'PGSL003', 'PGSL005'])
  t.equal(s.socket.ended, null)
})

t.test('backpressure: lagging off the topic, then resyncing with a fresh snapshot once drained', async (t) => {
  const s = setup(t, await sign({ role: 'anon' }))
  s.session.onMessage('{"type":"subscribe","id":"s1","query":"todos"}')
  await until(() => types(s.sent).includes('state:live'), 'live')
  s.socket.buffered = 5000
  s.session.checkBackpressure()
  await until(() => types(s.sent).includes('state:lagging'), 'lagging')
  t.notOk(s.topics.has('feed:12'), 'a lagging socket is off the topic')
  s.state.seq = 1
  s.state.entries = '[{"key":"[1]","row":{"id": 1}},{"key":"[2]","row":{"id": 2}}]'
  s.registry.onNotification(deltaPayload(1, insertOps('2', 1), 2))
  s.socket.buffered = 0
  s.session.checkBackpressure()
  await until(() => types(s.sent).filter((x) => x === 'state:live').length === 2, 'live again')
  t.same(types(s.sent).slice(-4), ['state:lagging', 'state:resyncing', 'snapshot', 'state:live'])
  t.equal(s.sent.at(-2)!.seq, 1, 'the rows as of the missed delta')
  t.ok(s.topics.has('feed:12'))
})

t.test('another user\'s token re-authorizes every subscription onto its own feed', async (t) => {
  const s = setup(t, await sign({ role: 'authenticated', sub: 'ann' }))
  s.session.onMessage('{"type":"subscribe","id":"s1","query":"todos"}')
  await until(() => types(s.sent).includes('state:live'), 'live')
  s.session.onMessage(JSON.stringify({ type: 'auth', token: await sign({ role: 'authenticated', sub: 'bob' }) }))
  await until(() => types(s.sent).filter((x) => x === 'snapshot').length === 2, 'a second snapshot')
  t.same(s.calls.filter((c) => c === 'subscribe' || c === 'unsubscribe'), ['subscribe', 'unsubscribe', 'subscribe'], 'ann\'s lease released, then bob\'s feed subscribed')
})
