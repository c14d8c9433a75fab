import t from 'tap'
import { FeedRegistry } from './feed-registry.ts'
import type { PgrClient, PgrDelta } from './pgr.ts'

/** A pg_reactive stand-in: one feed (12) whose rows (as pgr.entries text) and sequence the test sets. */
function fakePgr() {
  const calls: string[] = []
  const state = { startedAt: 'A', seq: 0, entries: '[{"key":"[1]","row":{"id": 1}}]', log: [] as PgrDelta[] }
  const snapshot = () => ({ seq: state.seq, size: (state.entries.match(/"key"/g) ?? []).length, entries: state.entries })
  const subscribed = () => ({ subscriptionId: '5', feedId: '12', seq: state.seq, key: ['id'], snapshot: snapshot() })
  const pgr: PgrClient = {
    subscribe: async () => subscribed(),
    subscribeSql: async () => subscribed(),
    changes: async () => (calls.push('changes'), state.log),
    resync: async () => (calls.push('resync'), snapshot()),
    sequence: async () => (calls.push('sequence'), state.seq),
    serverStartedAt: async () => state.startedAt,
    unsubscribe: async () => void calls.push('unsubscribe'),
  }
  return { pgr, calls, state }
}

function registryWith(pgr: PgrClient) {
  const published: Array<[string, string]> = []
  const registry = new FeedRegistry({
    pgr,
    publish: (topic, message) => void published.push([topic, message]),
    numSubscribers: () => 1,
    log: () => {},
    replayDeltas: 16,
    replayBytes: 1 << 20,
    lingerMs: 0,
  })
  return { registry, published }
}

/** A delta payload as pg_reactive 2 sends it: the ops text goes out to clients unparsed. */
const delta = (seq: number, ops: string) => `{"v":2,"kind":"delta","feed":12,"seq":${seq},"size":1,"ops":${ops}}`
const insert = (id: string) => `[{"op": "insert", "key": "[${id}]", "row": {"id": ${id}}, "index": 0}]`

const tick = () => new Promise((resolve) => setTimeout(resolve, 10))

t.test('a LISTEN reconnect to the same server catches up from the log; a restarted server resyncs', async (t) => {
  const { pgr, calls, state } = fakePgr()
  const { registry, published } = registryWith(pgr)
  await registry.noteServer()
  const feed = await registry.acquire({ key: 'k', query: 'q', params: [], role: 'anon', claims: {} })
  registry.onNotification(delta(1, insert('9007199254740993')))
  t.equal(feed.seq, 1)
  t.same(published, [['feed:12', `{"type":"delta","feed":12,"seq":1,"ops":${insert('9007199254740993')}}`]], 'the ops as PostgreSQL wrote them, every digit')
  state.seq = 1

  registry.onListenerBack()
  await tick()
  t.same(calls, ['sequence', 'changes'], 'same server: sequence check, then the log')

  // the server restarted and lost the delta: its feed is back at 0 with other rows
  calls.length = 0
  state.startedAt = 'B'
  state.seq = 0
  state.entries = '[{"key":"[3]","row":{"id": 3}}]'
  registry.onListenerBack()
  await tick()
  t.same(calls, ['resync'])
  t.equal(feed.seq, 0)
  t.equal(published.at(-1)![1], '{"type":"snapshot","feed":12,"seq":0,"key":["id"],"rows":[{"key":"[3]","row":{"id": 3}}]}')
  // and the next delta, seq 1 again, is published rather than taken for a duplicate
  registry.onNotification(delta(1, insert('4')))
  t.equal(feed.seq, 1)
  t.equal(published.at(-1)![1], `{"type":"delta","feed":12,"seq":1,"ops":${insert('4')}}`)
  registry.release(feed)
  await tick()
  t.ok(calls.includes('unsubscribe'), 'the last holder gone: unsubscribed from pg_reactive')
})

t.test('a notification that arrives before its subscribe returns is not lost', async (t) => {
  const { pgr } = fakePgr()
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  const slow: PgrClient = { ...pgr, subscribe: async (...args) => (await gate, pgr.subscribe(...args)) }
  const { registry, published } = registryWith(slow)
  const acquiring = registry.acquire({ key: 'k', query: 'q', params: [], role: 'anon', claims: {} })
  await tick()
  registry.onNotification(delta(1, insert('2')))
  release()
  const feed = await acquiring
  t.equal(feed.seq, 1)
  t.same(published, [['feed:12', `{"type":"delta","feed":12,"seq":1,"ops":${insert('2')}}`]])
})
