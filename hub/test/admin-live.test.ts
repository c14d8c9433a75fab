import t from 'tap'
import { setup } from './live-fixture.ts'

interface ActorJson {
  id: string
  subscription: string
  state: string
  feed: number | null
  role: string
  claims: Record<string, unknown>
}
interface FeedJson {
  id: number
  query: string
  role: string
  subscribers: number
  deltas_total: number
  last_seq: number
  rows: number
}

t.test('the introspection stream shows each actor with its feed, then only what changed; a watched actor streams its timeline and deltas', async (t) => {
  const { open, serviceKey, signToken, admin, settle } = await setup(t)
  const user = await open(await signToken({ role: 'authenticated', sub: 'ann' }))
  user.subscribe('mine', 'all_todos')
  await user.until(() => user.subs.get('mine')!.state === 'live')

  const studio = await open(serviceKey)
  studio.send({ type: 'introspect' })
  const full = await studio.next((m) => m.type === 'introspection' && m.full === true)
  const actors = full.actors as ActorJson[]
  t.equal(actors.length, 1)
  const actor = actors[0]!
  t.match(actor, { subscription: 'mine', state: 'live', role: 'authenticated', claims: { sub: 'ann', role: 'authenticated' } })
  t.notOk('exp' in actor.claims, 'per-token claims are left out')
  const feed = (full.feeds as FeedJson[]).find((f) => f.id === actor.feed)!
  t.match(feed, { query: 'all_todos', role: 'authenticated', subscribers: 1, last_seq: 0, rows: 1 })
  t.ok(Array.isArray(full.series), 'the series comes with the full message')
  t.equal(full.latency_from, 'notification', 'and what the latency is measured from')

  // follow the actor: its detail, then the feed's own deltas
  const from = studio.messages.length
  studio.send({ type: 'introspect.watch', actor: actor.id })
  const detail = await studio.next((m) => m.type === 'actor', 5_000, from)
  t.equal(detail.id, actor.id)
  const timeline = detail.timeline as Array<{ event: string; from: string | null; to: string; at: number }>
  t.same(timeline.map((step) => step.to), ['authorizing', 'snapshotting', 'live'], 'the xstate transitions in order')
  t.equal(timeline[0]!.from, null)
  t.equal(timeline[1]!.event, 'feed.acquired')
  t.ok(timeline.every((step, i) => i === 0 || step.at >= timeline[i - 1]!.at), 'with times')
  t.same((detail.rows as Array<{ row: Record<string, unknown> }>).map((e) => e.row.title), ['milk'], 'the rows it holds (RLS: ann sees her own)')
  t.equal(detail.rows_seq, 0)

  await admin.query("INSERT INTO todo VALUES (10, 'ann', 'thé vert', false), (11, 'bob', 'not hers', false)")
  await settle(user, 'mine')
  const delta = await studio.next((m) => m.type === 'delta' && m.feed === actor.feed, 5_000, from)
  t.equal(delta.seq, 1)
  t.match(JSON.stringify(delta.ops), /thé vert/)
  t.notMatch(JSON.stringify(delta.ops), /not hers/, 'the watched feed is the user\'s, under their RLS')

  const diff = await studio.next((m) => m.type === 'introspection' && (m.feeds as FeedJson[]).some((f) => f.id === actor.feed && f.deltas_total === 1), 5_000, from)
  t.equal(diff.full, false)
  t.same(diff.actors, [], 'an actor that did not change is not repeated')
  const withDeltas = await studio.next((m) => m.type === 'introspection' && ((m.point as { deltas: number } | null)?.deltas ?? 0) >= 1, 5_000, from)
  t.ok((withDeltas.point as { latency_ms: { p50: number } }).latency_ms.p50 >= 0, 'the second had a delta and its latency')

  const viaHttp = await fetch(`${studio.ws.url.replace(/^ws/, 'http').replace(/\/live\/v1.*/, '')}/admin/v1/live/actors/${actor.id}`, {
    headers: { authorization: `Bearer ${serviceKey}` },
  })
  const body = (await viaHttp.json()) as { deltas: Array<{ seq: number; at: number }>; rows_seq: number; feed: FeedJson }
  t.same(body.deltas.map((d) => d.seq), [1], 'recent deltas with their sequence…')
  t.type(body.deltas[0]!.at, 'number', '…and the time they left')
  t.equal(body.rows_seq, 1)
  t.equal(body.feed.last_seq, 1)

  const before = studio.messages.length
  user.send({ type: 'unsubscribe', id: 'mine' })
  const closedStep = await studio.next((m) => m.type === 'actor.transition' && m.to === 'closed', 5_000, before)
  t.equal(closedStep.event, 'client.unsubscribed')
  await studio.next((m) => m.type === 'actor.closed' && m.id === actor.id, 5_000, before)
  const gone = await studio.next((m) => m.type === 'introspection' && (m.removed as string[]).includes(actor.id), 5_000, before)
  t.ok(gone, 'the actor leaves the list')
})

t.test('introspect.watch of an unknown actor is a 404, and other roles may not watch', async (t) => {
  const { open, serviceKey, signToken } = await setup(t)
  const studio = await open(serviceKey)
  studio.send({ type: 'introspect.watch', actor: 'a999' })
  t.equal((await studio.next((m) => m.type === 'error')).code, 'PGSA004')
  const user = await open(await signToken({ role: 'authenticated', sub: 'ann' }))
  user.send({ type: 'introspect.watch', actor: 'a1' })
  t.equal((await user.next((m) => m.type === 'error')).code, 'PGSL009')
  user.send({ type: 'introspect.watch', actor: 42 })
  t.equal((await user.next((m) => m.type === 'error' && m.code === 'PGSL001')).code, 'PGSL001')
})

t.test('GET /admin/v1/live lists actors, feeds and the last minutes as one-second points', async (t) => {
  const { open, serviceKey, signToken, url, admin, settle } = await setup(t)
  const ann = await open(await signToken({ role: 'authenticated', sub: 'ann' }))
  const bob = await open(await signToken({ role: 'authenticated', sub: 'bob' }))
  ann.subscribe('a', 'all_todos')
  bob.subscribe('b', 'all_todos')
  bob.subscribe('c', 'todos', [false])
  await bob.until(() => bob.subs.get('b')!.state === 'live' && bob.subs.get('c')!.state === 'live')
  await ann.until(() => ann.subs.get('a')!.state === 'live')
  await admin.query("UPDATE todo SET title = 'oat milk' WHERE id = 1")
  await settle(ann, 'a')
  await new Promise((resolve) => setTimeout(resolve, 1_100))
  const res = await fetch(`${url}/admin/v1/live`, { headers: { authorization: `Bearer ${serviceKey}` } })
  t.equal(res.status, 200)
  const live = (await res.json()) as { actors: ActorJson[]; feeds: FeedJson[]; series: Array<{ deltas: number; at: number }>; latency_from: string; subscriptions: Record<string, number> }
  t.equal(live.actors.length, 3)
  t.same(live.actors.map((a) => a.subscription).sort(), ['a', 'b', 'c'])
  t.equal(live.feeds.length, 3, "ann's and bob's all_todos are two feeds (two security contexts), todos a third")
  t.equal(live.subscriptions.live, 3)
  t.equal(live.latency_from, 'notification')
  t.ok(live.series.some((p) => p.deltas >= 1), 'the update is in the series')
  t.ok(live.series.every((p, i) => i === 0 || p.at > live.series[i - 1]!.at), 'points in time order')
  const missing = await fetch(`${url}/admin/v1/live/actors/a999`, { headers: { authorization: `Bearer ${serviceKey}` } })
  t.equal(missing.status, 404)
})

t.test('a query-builder actor shows the REST query it was sent and its feed the SQL it compiled to', async (t) => {
  const hub = await setup(t)
  await hub.admin.query("NOTIFY pgrst, 'reload schema'")
  const client = await hub.open(hub.serviceKey)
  const query = 'select=id,title&done=eq.false&order=id'
  for (let i = 0; ; i++) {
    // the fixture's table was created after the hub started: wait for the schema cache
    client.send({ type: 'subscribe', id: `b${i}`, rest: { relation: 'todo', query } })
    const answer = await client.next((m) => (m.type === 'snapshot' || m.type === 'closed') && m.id === `b${i}`)
    if (answer.type === 'snapshot') break
    if (i > 50) throw new Error('todo never reached the schema cache')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const res = await fetch(`${hub.url}/admin/v1/live`, { headers: { authorization: `Bearer ${hub.serviceKey}` } })
  const live = (await res.json()) as { actors: Array<ActorJson & { rest: unknown }>; feeds: Array<FeedJson & { sql: string | null }> }
  const actor = live.actors.find((a) => a.state === 'live')!
  t.same(actor.rest, { relation: 'todo', schema: null, query })
  const feed = live.feeds.find((f) => f.id === actor.feed)!
  t.equal(feed.query, 'rest:todo')
  t.match(feed.sql, /"todo"/, 'the compiled SQL')
})
