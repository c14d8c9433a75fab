import t from 'tap'
import { Feed, type FeedWatcher } from './feed.ts'
import { fakePgr, insertOps as insert, pgError } from './fake-pgr.ts'
import type { PgrClient } from './pgr.ts'

const delta = (seq: number, id: string) => ({ kind: 'delta' as const, feed: 12, seq, size: 1, ops: insert(id) })
const logged = (seq: number, id: string) => ({ seq, size: 1, ops: insert(id) })
const tick = (ms = 10) => new Promise((resolve) => setTimeout(resolve, ms))

async function started(pgr: PgrClient, retryMs = 20) {
  const published: string[] = []
  const lines: string[] = []
  const feed = new Feed(
    { key: 'k', query: 'q', params: [], role: 'anon', claims: {} },
    { pgr, publish: (_topic, message) => void published.push(message), numSubscribers: () => 1, log: (line) => void lines.push(line), replayDeltas: 4, replayBytes: 1 << 20, retryMs },
  )
  await feed.start(null)
  return { feed, published, lines }
}

t.test('deltas in sequence go out as pg_reactive wrote them; duplicates are dropped', async (t) => {
  const { pgr } = fakePgr()
  const { feed, published } = await started(pgr)
  feed.handle(delta(1, '9007199254740993'))
  feed.handle(delta(1, '9007199254740993'))
  t.same(published, [`{"type":"delta","feed":12,"seq":1,"ops":${insert('9007199254740993')}}`])
  t.equal(feed.seq, 1)
  t.same(feed.replaySince(0), published, 'and they are replayable')
})

t.test('a gap is filled from the log in order before later notifications', async (t) => {
  const { pgr, state, calls } = fakePgr()
  const { feed, published } = await started(pgr)
  state.log = [logged(1, '1'), logged(2, '2'), logged(3, '3')]
  feed.handle(delta(3, '3'))
  feed.handle(delta(4, '4'))
  await tick()
  t.same(published.map((m) => JSON.parse(m).seq), [1, 2, 3, 4])
  t.same(calls.filter((c) => c === 'changes'), ['changes'], 'one read of the log')
})

t.test('a hole in the log, or a log that no longer reaches back, is a resync to the stored rows', async (t) => {
  for (const [what, setup] of [
    ['hole', (s: ReturnType<typeof fakePgr>['state']) => void (s.log = [logged(2, '2')])],
    ['PR001', (s: ReturnType<typeof fakePgr>['state']) => void (s.fail.changes = pgError('PR001'))],
  ] as const) {
    const { pgr, state } = fakePgr()
    const { feed, published } = await started(pgr)
    setup(state)
    state.seq = 2
    state.entries = '[{"key":"[2]","row":{"id": 2}}]'
    feed.handle(delta(2, '2'))
    await tick()
    t.equal(published.at(-1), '{"type":"snapshot","feed":12,"seq":2,"key":["id"],"rows":[{"key":"[2]","row":{"id": 2}}]}', what)
    t.equal(feed.seq, 2)
    t.equal(feed.replaySince(1), null, `${what}: the replay window starts again`)
  }
})

t.test('a failed catch-up is retried (one retry path), a dropped query reaches every watcher', async (t) => {
  const { pgr, state, calls } = fakePgr()
  const { feed, published, lines } = await started(pgr)
  state.log = [logged(1, '1')]
  state.fail.changes = pgError('08006', 'connection lost')
  feed.handle(delta(2, '2'))
  await tick(5)
  t.equal(feed.state, 'resyncing')
  t.match(lines[0], /catching up failed: connection lost/)
  state.log.push(logged(2, '2'))
  state.seq = 2
  await tick(60)
  t.same(calls.filter((c) => c !== 'subscribe'), ['changes', 'sequence', 'changes'], 'retried with a sequence check')
  t.same(published.map((m) => JSON.parse(m).seq), [1, 2])
  t.equal(feed.state, 'live')

  const lost: string[] = []
  const watcher: FeedWatcher = { send: (event) => void lost.push(event.error.code) }
  feed.watchers.add(watcher)
  let forgotten = false
  feed.onLost = () => void (forgotten = true)
  state.fail.sequence = pgError('42704', 'subscription 5 does not exist')
  feed.catchUp(true)
  await tick()
  t.same(lost, ['PGSL006'])
  t.ok(forgotten)
  t.equal(feed.state, 'closed')
})

t.test('a resync asked for during a catch-up runs after it; a failed resync is retried as a resync', async (t) => {
  const { pgr, state, calls } = fakePgr()
  const { feed, published } = await started(pgr)
  state.log = [logged(1, '1')]
  feed.catchUp()
  feed.resync()
  state.fail.resync = pgError('57P01', 'terminating connection')
  await tick(80)
  t.same(calls.filter((c) => c !== 'subscribe'), ['changes', 'resync', 'resync'])
  t.match(published.at(-1), /^\{"type":"snapshot","feed":12,"seq":0,/)
})

t.test('snapshots: the stored rows while no delta came, read again (once for all waiting) after one', async (t) => {
  const { pgr, state, calls } = fakePgr()
  const { feed } = await started(pgr)
  t.equal((await feed.snapshot()).entries, state.entries)
  t.notOk(calls.includes('resync'), 'the rows subscribe returned')
  state.seq = 1
  state.entries = '[{"key":"[9007199254740993]","row":{"id": 9007199254740993}}]'
  feed.handle(delta(1, '9007199254740993'))
  const [a, b] = await Promise.all([feed.snapshot(), feed.snapshot()])
  t.equal(a, b)
  t.equal(a.seq, 1)
  t.same(calls.filter((c) => c === 'resync'), ['resync'])
  t.equal(feed.snapshotMessage(a, 's1'), '{"type":"snapshot","id":"s1","feed":12,"seq":1,"key":["id"],"rows":[{"key":"[9007199254740993]","row":{"id": 9007199254740993}}]}')
})

t.test('an error notification reaches the feed\'s subscribers in PostgREST\'s shape', async (t) => {
  const { pgr } = fakePgr()
  const { feed, published } = await started(pgr)
  feed.handle({ kind: 'error', feed: 12, seq: 0, code: '22012', message: 'division by zero' })
  t.same(JSON.parse(published[0]!), { type: 'error', feed: 12, code: '22012', message: 'division by zero', details: null, hint: null })
})

t.test('a client resuming from before the window (a restarted hub) is replayed from the log: one read for all, within the window', async (t) => {
  const { pgr, state, calls } = fakePgr()
  state.seq = 3
  state.log = [logged(1, '1'), logged(2, '2'), logged(3, '3')]
  const { feed } = await started(pgr)
  t.equal(feed.replaySince(1), null, 'the window starts empty')
  t.same(await Promise.all([feed.backfill(1), feed.backfill(2)]), [true, true])
  t.same(calls.filter((c) => c === 'changes'), ['changes'], 'one read of the log for both')
  t.same(feed.replaySince(1)!.map((m) => JSON.parse(m).seq), [2, 3])
  t.equal(await feed.backfill(0), true, 'an earlier client: the missing delta is put in front')
  t.same(feed.replaySince(0)!.map((m) => JSON.parse(m).seq), [1, 2, 3])

  const gone = fakePgr()
  gone.state.seq = 6
  gone.state.log = [1, 2, 3, 4, 5, 6].map((n) => logged(n, String(n)))
  const other = await started(gone.pgr)
  t.equal(await other.feed.backfill(0), false, 'more deltas than the window keeps: a snapshot instead')
  t.equal(await other.feed.backfill(2), true)
  gone.state.fail.changes = pgError('PR001')
  t.equal(await other.feed.backfill(1), false, 'the log no longer reaches back: a snapshot instead')
})
