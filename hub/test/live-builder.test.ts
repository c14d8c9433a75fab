// Query-builder live queries (`rest` targets): compiled by @pgstack/rest's planner exactly as
// GET /rest/v1 would plan them, then run by pg_reactive under the subscriber's role and claims.
import t from 'tap'
import { canon, type LiveTestClient, type Mirror } from './live-client.ts'
import { setup } from './live-fixture.ts'

type Hub = Awaited<ReturnType<typeof setup>>

/** The fixture's table is created after the hub started: reload the schema cache, wait for it. */
async function ready(hub: Hub) {
  await hub.admin.query("NOTIFY pgrst, 'reload schema'")
  const end = Date.now() + 10_000
  for (;;) {
    const res = await fetch(`${hub.url}/rest/v1/todo?select=id`, { headers: { apikey: hub.serviceKey, authorization: `Bearer ${hub.serviceKey}` } })
    await res.arrayBuffer()
    if (res.status === 200) return
    if (Date.now() > end) throw new Error(`/rest/v1/todo still answers ${res.status}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

function subscribeRest(client: LiveTestClient, id: string, relation: string, query: string, schema?: string): Mirror {
  const mirror: Mirror = { id, feed: null, seq: -1, entries: [], state: 'authorizing', error: null, closed: false, gaps: 0 }
  client.subs.set(id, mirror)
  client.send({ type: 'subscribe', id, rest: { relation, query, ...(schema ? { schema } : {}) } })
  return mirror
}

/** What GET /rest/v1 answers for the same query with the same token. */
async function rest(hub: Hub, token: string, relation: string, query: string) {
  const res = await fetch(`${hub.url}/rest/v1/${relation}?${query}`, { headers: { apikey: hub.anonKey, authorization: `Bearer ${token}` } })
  return (await res.json()) as Array<Record<string, unknown>>
}

t.test('a filter and an order: rows equal GET /rest/v1 through inserts, updates and deletes', async (t) => {
  const hub = await setup(t)
  await ready(hub)
  const client = await hub.open(hub.serviceKey)
  const query = 'select=id,title,done&done=eq.false&order=title.desc,id'
  const sub = subscribeRest(client, 'b', 'todo', query)
  await client.until(() => sub.state === 'live' || sub.error !== null, 5_000, 'live')
  t.equal(sub.error, null)
  const snapshot = client.messages.find((m) => m.type === 'snapshot' && m.id === 'b')!
  t.same(snapshot.key, ['id'], 'the primary key keys the rows')
  t.same(client.rows('b'), await rest(hub, hub.serviceKey, 'todo', query))
  t.same(client.rows('b').map((r) => r.title), ['news', 'milk', 'bread'], 'in order=title.desc')

  await hub.admin.query("INSERT INTO todo VALUES (4, 'ann', 'apples', false), (5, 'bob', 'zucchini', false), (6, 'bob', 'done already', true)")
  await hub.admin.query("UPDATE todo SET title = 'aaa' WHERE id = 1")
  await hub.admin.query('UPDATE todo SET done = true WHERE id = 2')
  await hub.admin.query('DELETE FROM todo WHERE id = 3')
  await hub.settle(client, 'b')
  const expected = await rest(hub, hub.serviceKey, 'todo', query)
  t.same(expected.map((r) => r.id), [5, 4, 1])
  t.equal(canon(client.rows('b')), canon(expected))
  t.same(client.rows('b'), expected, 'same order too')

  // an identical builder query on another socket shares the feed
  const other = await hub.open(hub.serviceKey)
  const sub2 = subscribeRest(other, 'c', 'todo', query)
  await other.until(() => sub2.state === 'live', 5_000, 'second live')
  t.equal(sub2.feed, sub.feed, 'one feed for identical (sql, params, role, claims)')
})

t.test('errors carry PostgREST codes: bad filter, unknown column, unknown table, unexposed schema', async (t) => {
  const hub = await setup(t)
  await ready(hub)
  const client = await hub.open(hub.serviceKey)
  const errorOf = async (id: string, relation: string, query: string, schema?: string) => {
    subscribeRest(client, id, relation, query, schema)
    return client.next((m) => m.type === 'error' && m.id === id)
  }
  const bad = await errorOf('e1', 'todo', 'done=nope.false')
  t.equal(bad.code, 'PGRST100', 'bad filter operator')
  t.same(Object.keys(bad).filter((k) => !['type', 'id'].includes(k)).sort(), ['code', 'details', 'hint', 'message'])
  t.equal((await errorOf('e2', 'todo', 'select=id,nope')).code, '42703', 'unknown column, as /rest/v1 answers it')
  t.equal((await errorOf('e3', 'todo', 'nope=eq.1')).code, '42703', 'unknown filter column')
  t.equal((await errorOf('e4', 'no_such_table', 'select=*')).code, 'PGRST205')
  t.equal((await errorOf('e5', 'todo', 'select=*', 'secret')).code, 'PGRST106')
  // the same codes as GET /rest/v1
  const res = await fetch(`${hub.url}/rest/v1/todo?select=id,nope`, { headers: { apikey: hub.serviceKey, authorization: `Bearer ${hub.serviceKey}` } })
  t.equal(((await res.json()) as { code: string }).code, '42703')
  // the socket is still usable
  const ok = subscribeRest(client, 'ok', 'todo', 'select=id,title&id=in.(1,3)&title=like.*s*&order=id.desc')
  await client.until(() => ok.state === 'live', 5_000, 'live after errors')
  t.same(client.rows('ok'), [{ id: 3, title: 'news' }], 'in.(…) and like bind like /rest/v1')
})

t.test('RLS: each subscriber sees what GET /rest/v1 shows them, never another user\'s rows', async (t) => {
  const hub = await setup(t)
  await ready(hub)
  const annToken = await hub.signToken({ role: 'authenticated', sub: 'ann' })
  const bobToken = await hub.signToken({ role: 'authenticated', sub: 'bob' })
  const ann = await hub.open(annToken)
  const bob = await hub.open(bobToken)
  const anon = await hub.open(hub.anonKey)
  const query = 'select=id,owner,title&order=id&limit=10'
  const subs = [ann, bob, anon].map((c) => subscribeRest(c, 'q', 'todo', query))
  for (const [i, c] of [ann, bob, anon].entries()) await c.until(() => subs[i]!.state === 'live', 5_000, 'live')
  t.not(subs[0]!.feed, subs[1]!.feed, 'separate feeds per security context')
  await hub.admin.query("INSERT INTO todo VALUES (40, 'ann', 'secret', false), (41, 'public', 'notice', false), (42, 'bob', 'bobs', false)")
  for (const c of [ann, bob, anon]) await hub.settle(c, 'q')
  t.same(ann.rows('q'), await rest(hub, annToken, 'todo', query))
  t.same(bob.rows('q'), await rest(hub, bobToken, 'todo', query))
  t.same(anon.rows('q'), await rest(hub, hub.anonKey, 'todo', query))
  t.same(ann.rows('q').map((r) => r.owner), ['ann', 'ann'])
  t.same(bob.rows('q').map((r) => r.id), [2, 42])
  t.same(anon.rows('q').map((r) => r.id), [3, 41])
  t.notOk(JSON.stringify(bob.messages).includes('secret'), 'no trace of ann\'s row on bob\'s socket')
  t.notOk(JSON.stringify(anon.messages).includes('secret'), 'nor on anon\'s')
})
