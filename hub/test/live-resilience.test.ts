import t from 'tap'
import { canon, LiveTestClient } from './live-client.ts'
import { setup } from './live-fixture.ts'

const OPEN = 'SELECT id, owner, title, done FROM todo WHERE done = false ORDER BY id'

t.test('reconnect and resume: exactly the missed deltas, or a snapshot when the window is gone', async (t) => {
  const { admin, open, settle, serviceKey } = await setup(t, { PGSTACK_LIVE_FEED_LINGER_MS: '10000', PGSTACK_LIVE_REPLAY_DELTAS: '8' })
  // a second subscriber keeps the feed busy while the first is away
  const stayer = await open(serviceKey)
  stayer.subscribe('s', 'todos', [false])
  await stayer.until(() => stayer.subs.get('s')!.state === 'live')

  const first = await open(serviceKey)
  const sub = first.subscribe('s', 'todos', [false])
  await first.until(() => sub.state === 'live')
  await admin.query("INSERT INTO todo VALUES (10, 'ann', 'a', false)")
  await settle(first, 's')
  const left = { feed: sub.feed!, seq: sub.seq }
  const kept = sub.entries.map((e) => ({ ...e }))
  first.close()

  for (let i = 0; i < 3; i++) {
    await admin.query("INSERT INTO todo VALUES ($1, 'bob', 'missed', false)", [20 + i])
    await admin.query('SELECT pgr.wait_idle()')
  }
  await settle(stayer, 's')
  const back = await open(serviceKey)
  const mirror = back.subscribe('s', 'todos', [false], left)
  mirror.feed = left.feed
  mirror.seq = left.seq
  mirror.entries = kept
  const resumed = await back.next((m) => m.type === 'resumed' || m.type === 'snapshot')
  t.equal(resumed.type, 'resumed', 'resumed, not resynced')
  t.equal(resumed.seq, left.seq)
  await back.until(() => mirror.state === 'live')
  const deltas = back.messages.filter((m) => m.type === 'delta').map((m) => m.seq)
  t.same(deltas, [left.seq + 1, left.seq + 2, left.seq + 3], 'exactly the missed deltas, in order')
  t.equal(canon(back.rows('s')), canon((await admin.query(OPEN)).rows))

  // away for longer than the replay window: a full snapshot instead
  const gone = { feed: mirror.feed!, seq: mirror.seq }
  back.close()
  for (let i = 0; i < 12; i++) {
    await admin.query("UPDATE todo SET title = $1 WHERE id = 20", [`t${i}`])
    await admin.query('SELECT pgr.wait_idle()')
  }
  await settle(stayer, 's')
  const late = await open(serviceKey)
  late.subscribe('s', 'todos', [false], gone)
  const answer = await late.next((m) => m.type === 'resumed' || m.type === 'snapshot')
  t.equal(answer.type, 'snapshot', 'window exceeded: snapshot')
  await late.until(() => late.subs.get('s')!.state === 'live')
  t.equal(canon(late.rows('s')), canon((await admin.query(OPEN)).rows))
})

t.test('LISTEN and pool connections killed (as in a PostgreSQL restart): every feed comes back equal to a fresh SELECT', async (t) => {
  const { admin, open, settle, serviceKey, signToken, db } = await setup(t)
  const ann = await signToken({ role: 'authenticated', sub: 'ann' })
  const s = await open(serviceKey)
  const a = await open(ann)
  s.subscribe('open', 'todos', [false])
  a.subscribe('mine', 'all_todos')
  await s.until(() => s.subs.get('open')!.state === 'live')
  await a.until(() => a.subs.get('mine')!.state === 'live')
  const kill = () =>
    admin.query("SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE usename = 'authenticator' AND datname = $1", [db.name])
  const killed = await kill()
  t.ok(Number(killed.rows[0].n) >= 1, 'killed the hub\'s connections')
  // writes while the hub is not listening
  await admin.query("INSERT INTO todo VALUES (30, 'ann', 'while down', false)")
  await admin.query("UPDATE todo SET done = true WHERE id = 2")
  await admin.query('SELECT pgr.wait_idle()')
  await settle(s, 'open', 15_000)
  await settle(a, 'mine', 15_000)
  t.equal(canon(s.rows('open')), canon((await admin.query(OPEN)).rows))
  t.equal(canon(a.rows('mine')), canon((await admin.query("SELECT id, owner, title, done FROM todo WHERE owner = 'ann' ORDER BY title DESC, id")).rows))
  // and the hub keeps working: deltas flow, new subscriptions start
  await admin.query("INSERT INTO todo VALUES (31, 'ann', 'after', false)")
  await settle(s, 'open')
  t.ok(s.rows('open').some((r) => r.id === 31), 'deltas flow again')
  const fresh = await open(serviceKey)
  fresh.subscribe('n', 'todos', [true])
  await fresh.until(() => fresh.subs.get('n')!.state === 'live', 10_000)
  t.equal(canon(fresh.rows('n')), canon((await admin.query('SELECT id, owner, title, done FROM todo WHERE done = true ORDER BY id')).rows))
  t.equal(s.subs.get('open')!.gaps, 0)
})

t.test('a slow consumer is dropped to lagging, then resynced; the hub does not buffer without bound', async (t) => {
  const { admin, open, settle, serviceKey, url } = await setup(t, { PGSTACK_LIVE_MAX_BUFFER_BYTES: '65536' })
  await admin.query("CREATE TABLE blob (id int PRIMARY KEY, body text NOT NULL); GRANT ALL ON blob TO service_role; INSERT INTO blob SELECT g, '' FROM generate_series(1, 20) g; SELECT pgr.define('blobs', 'SELECT id, body FROM blob ORDER BY id')")
  const fast = await open(serviceKey)
  fast.subscribe('b', 'blobs')
  const slow = await open(serviceKey)
  const sub = slow.subscribe('b', 'blobs')
  await slow.until(() => sub.state === 'live')
  await fast.until(() => fast.subs.get('b')!.state === 'live')
  // stop reading: the kernel buffers fill, then the hub's
  ;(slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause()
  for (let i = 0; i < 150; i++) {
    await admin.query('UPDATE blob SET body = $1 WHERE id = $2', [`${i}`.padEnd(40_000, 'x'), 1 + (i % 20)])
    if (i % 10 === 0) await admin.query('SELECT pgr.wait_idle()')
  }
  await settle(fast, 'b', 20_000)
  const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${serviceKey}` } })).text()
  const lagged = Number(/pgstack_live_backpressure_events_total (\d+)/.exec(metrics)?.[1])
  t.ok(lagged >= 1, `the slow socket went lagging (${lagged})`)
  const seen = slow.messages.length
  ;(slow.ws as unknown as { _socket: { resume(): void } })._socket.resume()
  // (the `lagging` notice itself may be dropped with the rest: it is informational)
  await slow.next((m) => m.type === 'snapshot' && m.id === 'b', 20_000, seen)
  await settle(slow, 'b', 20_000)
  await slow.until(() => sub.state === 'live', 20_000)
  const expected = canon((await admin.query('SELECT id, body FROM blob ORDER BY id')).rows)
  t.equal(canon(slow.rows('b')), expected, 'slow consumer resynced to a fresh SELECT')
  t.equal(canon(fast.rows('b')), expected, 'the fast consumer was not held back')
  t.equal(fast.subs.get('b')!.gaps, 0)
})

t.test('nothing leaks: the last subscriber leaving removes the pg_reactive subscription', async (t) => {
  const { admin, open, serviceKey } = await setup(t)
  const clients = await Promise.all([open(serviceKey), open(serviceKey)])
  for (const c of clients) {
    c.subscribe('a', 'todos', [false])
    c.subscribe('b', 'all_todos')
  }
  for (const c of clients) await c.until(() => c.subs.get('a')!.state === 'live' && c.subs.get('b')!.state === 'live')
  const count = async () => Number((await admin.query('SELECT count(*) AS n FROM pgr.subscription')).rows[0].n)
  t.equal(await count(), 2, 'one pg_reactive subscription per feed, not per client')
  clients[0]!.send({ type: 'unsubscribe', id: 'a' })
  clients[1]!.close()
  await clients[0]!.until(() => clients[0]!.subs.get('a')!.closed)
  for (let i = 0; i < 50 && (await count()) !== 1; i++) await new Promise((r) => setTimeout(r, 100))
  t.equal(await count(), 1, 'only the feed still held remains')
  clients[0]!.close()
  for (let i = 0; i < 50 && (await count()) !== 0; i++) await new Promise((r) => setTimeout(r, 100))
  t.equal(await count(), 0)
})

t.test('a hub restart loses nothing a reconnecting client cannot recover', async (t) => {
  const first = await setup(t)
  const client = await first.open(first.serviceKey)
  const sub = client.subscribe('s', 'todos', [false])
  await client.until(() => sub.state === 'live')
  const left = { feed: sub.feed!, seq: sub.seq }
  await first.hub.close()
  await client.until(() => client.closedWith !== null, 5_000, 'socket closed by the stopping hub')
  t.equal(client.closedWith, 1001)
  await first.admin.query("INSERT INTO todo VALUES (70, 'bob', 'while the hub was down', false)")
  const { startTestHub } = await import('@pgstack/hub/testing')
  const second = await startTestHub(t, { database: first.db })
  const again = await LiveTestClient.open(second.url, second.serviceKey) // (a new secret: the test helper makes one per hub)
  t.teardown(() => again.close())
  const mirror = again.subscribe('s', 'todos', [false], left)
  await again.until(() => mirror.state === 'live', 10_000)
  t.equal(canon(again.rows('s')), canon((await first.admin.query(OPEN)).rows))
})

t.test('a live query dropped under its subscribers ends them with 42704 at the next catch-up', async (t) => {
  const { admin, open, serviceKey, db } = await setup(t)
  const client = await open(serviceKey)
  const sub = client.subscribe('s', 'all_todos')
  await client.until(() => sub.state === 'live')
  await admin.query("SELECT pgr.undefine('all_todos')")
  // a LISTEN reconnect makes every feed catch up from the log, which finds the subscription gone
  await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'authenticator' AND datname = $1", [db.name])
  await client.until(() => sub.closed, 15_000, 'closed')
  t.equal(sub.error?.code, '42704')
})

t.test('a feed that went back in sequence (commits lost in a PostgreSQL crash) is resynced, not trusted', async (t) => {
  const { admin, open, settle, serviceKey, db } = await setup(t)
  const client = await open(serviceKey)
  const sub = client.subscribe('s', 'all_todos')
  await client.until(() => sub.state === 'live')
  const feed = sub.feed!
  const before = (await admin.query('SELECT result, texts FROM pgr.feed_result WHERE feed_id = $1', [feed])).rows[0]
  await admin.query("INSERT INTO todo VALUES (80, 'bob', 'lost in the crash', false)")
  await settle(client, 's')
  t.equal(sub.seq, 1)
  // what a crash with asynchronous commit can leave: the write and its delta both lost, while the
  // hub had already seen the delta (seq 1); the next write is seq 1 again
  // (one transaction, capture triggers off: pg_reactive's worker must not see a half-done state)
  await admin.query('BEGIN')
  await admin.query("SET LOCAL session_replication_role = 'replica'")
  await admin.query('DELETE FROM todo WHERE id = 80')
  await admin.query('UPDATE pgr.feed SET seq = 0 WHERE id = $1', [feed])
  await admin.query('UPDATE pgr.feed_result SET result = $2, texts = $3 WHERE feed_id = $1', [feed, JSON.stringify(before.result), before.texts])
  await admin.query('DELETE FROM pgr.delta_log WHERE feed_id = $1', [feed])
  await admin.query('COMMIT')
  await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'authenticator' AND datname = $1", [db.name])
  await client.next((m) => m.type === 'snapshot' && m.id === undefined && m.seq === 0, 15_000)
  await admin.query("INSERT INTO todo VALUES (81, 'bob', 'after the crash', false)")
  await settle(client, 's')
  t.equal(canon(client.rows('s')), canon((await admin.query('SELECT id, owner, title, done FROM todo ORDER BY title DESC, id')).rows))
})
