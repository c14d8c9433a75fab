import t from 'tap'
import type { PgrClient } from './pgr.ts'
import { deltaPayload as delta, fakePgr, insertOps as insert, registryWith } from './fake-pgr.ts'

const tick = () => new Promise((resolve) => setTimeout(resolve, 10))

t.test('a LISTEN reconnect to the same server catches up from the log; a restarted server resyncs', async (t) => {
  const { pgr, calls, state } = fakePgr()
  const { registry, published } = registryWith(pgr)
  await registry.noteServer()
  const lease = await registry.acquire({ key: 'k', query: 'q', params: [], role: 'anon', claims: {} })
  const { feed } = lease
  registry.onNotification(delta(1, insert('9007199254740993')))
  t.equal(feed.seq, 1)
  t.same(published, [['feed:12', `{"type":"delta","feed":12,"seq":1,"ops":${insert('9007199254740993')}}`]], 'the ops as PostgreSQL wrote them, every digit')
  state.seq = 1

  calls.length = 0
  registry.onListenerBack()
  await tick()
  t.same(calls, ['hold', 'serverStartedAt', 'sequence', 'changes'], "same server: the new LISTEN session holds the subscription, then a sequence check and the log")

  // the server restarted and lost the delta: its feed is back at 0 with other rows
  calls.length = 0
  state.startedAt = 'B'
  state.seq = 0
  state.entries = '[{"key":"[3]","row":{"id": 3}}]'
  registry.onListenerBack()
  await tick()
  t.same(calls, ['hold', 'serverStartedAt', 'resync'])
  t.equal(feed.seq, 0)
  t.equal(published.at(-1)![1], '{"type":"snapshot","feed":12,"seq":0,"key":["id"],"rows":[{"key":"[3]","row":{"id": 3}}]}')
  // and the next delta, seq 1 again, is published rather than taken for a duplicate
  registry.onNotification(delta(1, insert('4')))
  t.equal(feed.seq, 1)
  t.equal(published.at(-1)![1], `{"type":"delta","feed":12,"seq":1,"ops":${insert('4')}}`)
  lease.release()
  lease.release()
  t.equal(feed.holders, 0, 'a lease released twice gives its hold back once')
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
  const { feed } = await acquiring
  t.equal(feed.seq, 1)
  t.same(published, [['feed:12', `{"type":"delta","feed":12,"seq":1,"ops":${insert('2')}}`]])
})

t.test('a subscribe that returns after the LISTEN connection changed is held by the new session', async (t) => {
  const { pgr } = fakePgr()
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  const holds: Array<[string[], number | null]> = []
  const slow: PgrClient = {
    ...pgr,
    subscribe: async (...args) => (await gate, pgr.subscribe(...args)),
    hold: async (ids, holder) => (holds.push([ids, holder]), pgr.hold(ids, holder)),
  }
  const { registry } = registryWith(slow)
  const acquiring = registry.acquire({ key: 'k', query: 'q', params: [], role: 'anon', claims: {} })
  await tick()
  registry.onListenerBack()
  await tick()
  t.same(holds, [], 'nothing to hold while the subscribe is under way')
  release()
  await acquiring
  await tick()
  t.same(holds, [[['5'], 1]], "then the new LISTEN session holds the feed's subscription")
})
