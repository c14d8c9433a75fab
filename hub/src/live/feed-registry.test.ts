import t from 'tap'
import { FeedRegistry } from './feed-registry.ts'
import type { PgrClient } from './pgr.ts'

/** A pg_reactive stand-in: one feed (12) whose rows and sequence the test sets. */
function fakePgr() {
  const calls: string[] = []
  const state = { startedAt: 'A', seq: 0, rows: [{ id: 1 }] as Array<Record<string, unknown>>, log: [] as Array<{ seq: number; ops: never[] }> }
  const pgr: PgrClient = {
    lookup: async () => ({ sql: 'SELECT id FROM x ORDER BY id', columns: ['id'] }),
    subscribe: async () => ({ subscriptionId: '5', feedId: '12', seq: state.seq, rows: state.rows, key: ['id'] }),
    subscribeSql: async () => ({ subscriptionId: '5', feedId: '12', seq: state.seq, rows: state.rows, key: ['id'] }),
    changes: async () => (calls.push('changes'), state.log),
    resync: async () => (calls.push('resync'), { seq: state.seq, rows: state.rows }),
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

const tick = () => new Promise((resolve) => setTimeout(resolve, 10))

t.test('a LISTEN reconnect to the same server catches up from the log; a restarted server resyncs', async (t) => {
  const { pgr, calls, state } = fakePgr()
  const { registry, published } = registryWith(pgr)
  await registry.noteServer()
  const feed = await registry.acquire({ key: 'k', query: 'q', params: [], role: 'anon', claims: {} })
  registry.onNotification(JSON.stringify({ v: 1, kind: 'delta', feed: 12, seq: 1, ops: [{ op: 'insert', row: { id: 2 } }] }))
  t.equal(feed.seq, 1)
  t.equal(published.length, 1)
  state.seq = 1

  registry.onListenerBack()
  await tick()
  t.same(calls, ['sequence', 'changes'], 'same server: sequence check, then the log')

  // the server restarted and lost the delta: its feed is back at 0 with other rows
  calls.length = 0
  state.startedAt = 'B'
  state.seq = 0
  state.rows = [{ id: 3 }]
  registry.onListenerBack()
  await tick()
  t.same(calls, ['resync'])
  t.equal(feed.seq, 0)
  t.match(published.at(-1)![1], /^\{"type":"snapshot","feed":12,"seq":0,"key":\["id"\],"rows":\[\{"key":"\[3\]"/)
  // and the next delta, seq 1 again, is applied rather than taken for a duplicate
  registry.onNotification(JSON.stringify({ v: 1, kind: 'delta', feed: 12, seq: 1, ops: [{ op: 'insert', row: { id: 4 } }] }))
  t.equal(feed.seq, 1)
  t.same(JSON.parse(feed.snapshotJson()).map((e: { key: string }) => e.key), ['[3]', '[4]'])
  registry.release(feed)
  await tick()
  t.ok(calls.includes('unsubscribe'), 'the last holder gone: unsubscribed from pg_reactive')
})

t.test('a notification that arrives before its subscribe returns is not lost', async (t) => {
  const { pgr } = fakePgr()
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  const slow: PgrClient = { ...pgr, subscribe: async (...args) => (await gate, pgr.subscribe(...args)) }
  const { registry } = registryWith(slow)
  const acquiring = registry.acquire({ key: 'k', query: 'q', params: [], role: 'anon', claims: {} })
  await tick()
  registry.onNotification(JSON.stringify({ v: 1, kind: 'delta', feed: 12, seq: 1, ops: [{ op: 'insert', row: { id: 2 } }] }))
  release()
  const feed = await acquiring
  t.equal(feed.seq, 1)
  t.same(JSON.parse(feed.snapshotJson()).map((e: { key: string }) => e.key), ['[1]', '[2]'])
})
