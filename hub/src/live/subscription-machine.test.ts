import t from 'tap'
import { createActor, fromCallback } from 'xstate'
import type { SecurityContext } from './auth.ts'
import type { Feed } from './feed.ts'
import type { FeedRegistry } from './feed-registry.ts'
import { stateName, subscriptionMachine, type SubscriptionContext, type SubscriptionEvent, type SubscriptionPort } from './subscription-machine.ts'

const security = (sub: string): SecurityContext => ({ role: 'authenticated', claims: { sub }, expiresAt: null, key: sub })

function fixture(resume?: { feed: number; seq: number }) {
  const sent: string[] = []
  const topics: string[] = []
  let released = 0
  // the feed's replay window reaches back to `from`; its log has the deltas after 1
  let from = 3
  const log = ['{"type":"delta","feed":7,"seq":2}', '{"type":"delta","feed":7,"seq":3}']
  const feed = {
    feedId: 7,
    seq: 3,
    key: ['id'],
    topic: 'feed:7',
    watchers: new Set(),
    snapshot: async () => ({ seq: 3, size: 0, entries: '[]' }),
    snapshotMessage: (snapshot: { seq: number; entries: string }, id: string | null) =>
      `{"type":"snapshot",${id === null ? '' : `"id":${JSON.stringify(id)},`}"feed":7,"seq":${snapshot.seq},"key":["id"],"rows":${snapshot.entries}}`,
    replaySince: (seq: number) => (seq >= from && seq <= 3 ? log.slice(seq - 1) : null),
    backfill: async (seq: number) => {
      if (seq >= 1) from = Math.min(from, seq)
      return seq >= 1
    },
  } as unknown as Feed
  const port: SubscriptionPort = {
    registry: {} as FeedRegistry,
    lagging: false,
    send: (m) => void sent.push(m),
    subscribeTopic: (topic) => void topics.push(topic),
    unsubscribeTopic: (topic) => void topics.splice(topics.indexOf(topic), 1),
  }
  // the registry is faked away: acquiring answers at once with a lease on the feed
  const machine = subscriptionMachine.provide({
    actors: {
      acquireFeed: fromCallback<SubscriptionEvent, SubscriptionContext>(({ sendBack }) =>
        void sendBack({ type: 'feed.acquired', lease: { feed, release: () => void released++ } }),
      ),
    },
  })
  const actor = createActor(machine, { input: { id: 's1', query: 'q', params: [], security: security('ann'), resume: resume ?? null, port } })
  return { actor, sent, topics, released: () => released }
}

const settle = () => new Promise((resolve) => setImmediate(resolve))

t.test('snapshot, live on the topic, lagging off it, then resync back to live', async (t) => {
  const { actor, sent, topics } = fixture()
  actor.start()
  await settle()
  t.equal(stateName(actor.getSnapshot().value), 'live')
  t.same(topics, ['feed:7'])
  t.match(sent[0], /"type":"snapshot","id":"s1","feed":7,"seq":3/)
  actor.send({ type: 'backpressure.high' })
  t.equal(stateName(actor.getSnapshot().value), 'lagging')
  t.same(topics, [], 'off the topic while lagging')
  actor.send({ type: 'backpressure.drained' })
  t.equal(stateName(actor.getSnapshot().value), 'resyncing')
  await settle()
  t.equal(stateName(actor.getSnapshot().value), 'live')
  t.same(topics, ['feed:7'])
  t.equal(sent.filter((m) => m.includes('"type":"snapshot"')).length, 2)
})

t.test('token expiry closes with PGRST303 and releases the feed; a socket close says nothing', async (t) => {
  const a = fixture()
  a.actor.start()
  await settle()
  a.actor.send({ type: 'token.expired' })
  t.equal(a.actor.getSnapshot().status, 'done')
  t.equal(a.released(), 1)
  t.match(a.sent.at(-1), /"type":"closed","id":"s1","error":\{"code":"PGRST303"/)
  t.same(a.topics, [])

  const b = fixture()
  b.actor.start()
  await settle()
  const before = b.sent.length
  b.actor.send({ type: 'client.closed' })
  t.equal(b.actor.getSnapshot().status, 'done')
  t.equal(b.sent.length, before)
  t.equal(b.released(), 1)
})

t.test('a refreshed token of the same user changes nothing; another user re-authorizes', async (t) => {
  const { actor, sent, released } = fixture()
  actor.start()
  await settle()
  actor.send({ type: 'token.refreshed', security: security('ann') })
  t.equal(stateName(actor.getSnapshot().value), 'live')
  t.equal(released(), 0)
  actor.send({ type: 'token.refreshed', security: security('bob') })
  await settle()
  t.equal(released(), 1)
  t.equal(stateName(actor.getSnapshot().value), 'live')
  t.equal(sent.filter((m) => m.includes('"type":"snapshot"')).length, 2)
})

t.test('resume is decided by guards: the same feed with its missed deltas in the window, or in the log, resumes; anything else snapshots', async (t) => {
  const resumed = fixture({ feed: 7, seq: 3 })
  resumed.actor.start()
  await settle()
  t.equal(stateName(resumed.actor.getSnapshot().value), 'live')
  t.same(resumed.sent, ['{"type":"resumed","id":"s1","feed":7,"seq":3}', '{"type":"state","id":"s1","state":"live","seq":3}'])

  // from before the window (a restarted hub): the window is filled from the log, then replayed
  const fromLog = fixture({ feed: 7, seq: 1 })
  fromLog.actor.start()
  t.equal(stateName(fromLog.actor.getSnapshot().value), 'resuming', 'resuming while the log is read')
  await settle()
  t.equal(stateName(fromLog.actor.getSnapshot().value), 'live')
  t.same(fromLog.sent, [
    '{"type":"resumed","id":"s1","feed":7,"seq":1}',
    '{"type":"delta","feed":7,"seq":2}',
    '{"type":"delta","feed":7,"seq":3}',
    '{"type":"state","id":"s1","state":"live","seq":3}',
  ])

  for (const resume of [{ feed: 8, seq: 3 }, { feed: 7, seq: 0 }, { feed: 7, seq: 4 }]) {
    const other = fixture(resume)
    other.actor.start()
    await settle()
    t.match(other.sent[0], /^\{"type":"snapshot","id":"s1"/, `resume ${JSON.stringify(resume)}: a snapshot`)
    t.equal(stateName(other.actor.getSnapshot().value), 'live')
  }
})
