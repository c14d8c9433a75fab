import t from 'tap'
import { canon, LiveTestClient } from './live-client.ts'
import { setup } from './live-fixture.ts'

t.test('RLS: two users on the same live query see only their rows; anon sees the public ones', async (t) => {
  const { admin, open, settle, signToken, anonKey } = await setup(t)
  const ann = await open(await signToken({ role: 'authenticated', sub: 'ann' }))
  const bob = await open(await signToken({ role: 'authenticated', sub: 'bob' }))
  const anon = await open(anonKey)
  for (const c of [ann, bob, anon]) c.subscribe('q', 'all_todos')
  for (const c of [ann, bob, anon]) await c.until(() => c.subs.get('q')!.state === 'live')
  t.not(ann.subs.get('q')!.feed, bob.subs.get('q')!.feed, 'separate feeds per security context')
  const bobDeltasBefore = bob.messages.filter((m) => m.type === 'delta').length
  await admin.query("INSERT INTO todo VALUES (40, 'ann', 'secret', false), (41, 'public', 'notice', false)")
  await admin.query("UPDATE todo SET title = 'oat milk' WHERE id = 1")
  for (const c of [ann, bob, anon]) await settle(c, 'q')
  const rowsOf = async (owner: string) => canon((await admin.query(`SELECT id, owner, title, done FROM todo WHERE owner = $1 ORDER BY title DESC, id`, [owner])).rows)
  t.equal(canon(ann.rows('q')), await rowsOf('ann'))
  t.equal(canon(bob.rows('q')), await rowsOf('bob'))
  t.equal(canon(anon.rows('q')), await rowsOf('public'))
  t.equal(bob.messages.filter((m) => m.type === 'delta').length, bobDeltasBefore, 'bob received nothing of ann\'s writes')
  t.notOk(JSON.stringify(bob.messages).includes('secret'), 'no trace of ann\'s row on bob\'s socket')
  t.notOk(JSON.stringify(anon.messages).includes('secret'), 'no trace of ann\'s row on anon\'s socket')
})

t.test('a token refreshed on the open socket keeps the subscription; an expired one ends it with PGRST303', async (t) => {
  const { admin, open, settle, signToken } = await setup(t)
  // exp 28 s ago: good for 2 s more under the 30 s clock skew every API allows
  const client = await open(await signToken({ role: 'authenticated', sub: 'ann' }, -28))
  const sub = client.subscribe('q', 'all_todos')
  await client.until(() => sub.state === 'live')
  const feed = sub.feed
  const snapshots = () => client.messages.filter((m) => m.type === 'snapshot').length
  client.send({ type: 'auth', token: await signToken({ role: 'authenticated', sub: 'ann' }, 3600) })
  await client.next((m) => m.type === 'welcome', 5_000, 1)
  await new Promise((resolve) => setTimeout(resolve, 2_500)) // past the first token's exp (+ skew)
  t.equal(sub.closed, false, 'still open after the first token expired')
  await admin.query("INSERT INTO todo VALUES (50, 'ann', 'after refresh', false)")
  await settle(client, 'q')
  t.ok(client.rows('q').some((r) => r.id === 50), 'deltas still flow')
  t.equal(snapshots(), 1, 'no resync for a refresh of the same user')
  t.equal(sub.feed, feed)

  // another user's token on the same socket: re-authorized, fresh snapshot of bob's rows
  client.send({ type: 'auth', token: await signToken({ role: 'authenticated', sub: 'bob' }, -27) })
  await client.until(() => snapshots() === 2, 5_000, 'snapshot for the new user')
  await client.until(() => sub.state === 'live')
  t.equal(canon(client.rows('q')), canon((await admin.query("SELECT id, owner, title, done FROM todo WHERE owner = 'bob' ORDER BY title DESC, id")).rows))

  // and that token expires (30 s after its exp)
  const closed = await client.next((m) => m.type === 'closed' && m.id === 'q', 5_000)
  t.match(closed.error, { code: 'PGRST303', message: 'JWT expired' })
  t.equal(sub.closed, true)
  // the socket stays usable with a fresh token
  client.send({ type: 'auth', token: await signToken({ role: 'authenticated', sub: 'bob' }) })
  client.subscribe('q2', 'all_todos')
  await client.until(() => client.subs.get('q2')!.state === 'live')
  // a token expired beyond the skew is refused up front
  const late = await LiveTestClient.open(client.ws.url.replace(/\/live\/v1.*/, ''), await signToken({ role: 'authenticated', sub: 'ann' }, -60))
  t.teardown(() => late.close())
  t.equal((await late.next((m) => m.type === 'error')).code, 'PGRST303')
})

t.test('introspection stream and /metrics for the service role only', async (t) => {
  const { open, serviceKey, anonKey, url, signToken } = await setup(t)
  const user = await open(await signToken({ role: 'authenticated', sub: 'ann' }))
  user.subscribe('q', 'all_todos')
  user.subscribe('r', 'todos', [false])
  await user.until(() => user.subs.get('q')!.state === 'live' && user.subs.get('r')!.state === 'live')
  user.send({ type: 'introspect' })
  t.equal((await user.next((m) => m.type === 'error' && m.code === 'PGSL009')).code, 'PGSL009')

  const studio = await open(serviceKey)
  studio.send({ type: 'introspect' })
  const frame = await studio.next((m) => m.type === 'introspection', 5_000)
  const feeds = frame.feeds as Array<Record<string, unknown>>
  t.equal(feeds.length, 2)
  t.match(feeds.find((f) => f.query === 'all_todos'), { role: 'authenticated', state: 'live', subscribers: 1, last_seq: 0 })
  t.match(frame.subscriptions, { live: 2 })

  const denied = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${anonKey}` } })
  t.equal(denied.status, 403)
  t.same(Object.keys((await denied.json()) as object).sort(), ['code', 'details', 'hint', 'message'])
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${serviceKey}` } })
  t.equal(res.status, 200)
  const text = await res.text()
  t.match(text, /pgstack_live_subscriptions\{state="live"\} 2/)
  t.match(text, /pgstack_live_feed_subscribers\{feed="\d+",query="all_todos",role="authenticated"\} 1/)
  t.match(text, /pgstack_live_listen_connected 1/)
})

t.test('a socket without a token can still ping (the 4401 close comes after 10 s)', async (t) => {
  const { url } = await setup(t)
  const client = await LiveTestClient.open(url)
  t.teardown(() => client.close())
  t.ok(client.ws.readyState === 1)
  // 10 s is the protocol's limit; do not wait for it here, just check that messages wait for auth
  client.send({ type: 'ping' })
  await client.next((m) => m.type === 'pong')
})

t.test('a policy that fails for one user affects that subscription alone', async (t) => {
  const { admin, open, settle, signToken } = await setup(t)
  // raises for "eve" while the tripwire table has a row; fine for everyone else
  await admin.query(`
    CREATE TABLE tripwire (on_ boolean);
    GRANT SELECT ON tripwire TO authenticated;
    CREATE POLICY fragile ON todo AS RESTRICTIVE TO authenticated
      USING (CASE WHEN current_setting('request.jwt.claims', true)::jsonb ->> 'sub' = 'eve'
                   AND EXISTS (SELECT FROM tripwire) THEN 1 / (SELECT 0 * count(*) FROM tripwire)::int = 1 ELSE true END)`)
  const eve = await open(await signToken({ role: 'authenticated', sub: 'eve' }))
  const ann = await open(await signToken({ role: 'authenticated', sub: 'ann' }))
  eve.subscribe('q', 'all_todos')
  ann.subscribe('q', 'all_todos')
  await eve.until(() => eve.subs.get('q')!.state === 'live')
  await ann.until(() => ann.subs.get('q')!.state === 'live')
  await admin.query('INSERT INTO tripwire VALUES (true)')
  await admin.query("INSERT INTO todo VALUES (60, 'eve', 'boom', false), (62, 'ann', 'also', false)")
  const failure = await eve.next((m) => m.type === 'error' && m.feed === eve.subs.get('q')!.feed, 10_000)
  t.equal(failure.code, '22012', 'eve hears of her feed\'s division by zero')
  await settle(ann, 'q')
  t.ok(ann.rows('q').some((r) => r.id === 62), 'ann\'s feed kept flowing')
  t.equal(eve.subs.get('q')!.closed, false, 'eve stays subscribed and recovers with the next good evaluation')
  await admin.query('DELETE FROM tripwire')
  await admin.query("INSERT INTO todo VALUES (61, 'eve', 'fine', false)")
  await settle(eve, 'q')
  t.same(eve.rows('q').map((r) => r.id).sort(), [60, 61])
})
