// /rpc: GET and POST calls, scalar and set results, filters on results, single json parameter,
// void functions, read-only GET, custom status codes.
import pg from 'pg'
import t from 'tap'
import { startRestTest, type RestTest } from './helpers.ts'

let api: RestTest
t.before(async () => {
  api = await startRestTest(t)
})

t.test('calls', async (t) => {
  const db = api.client()
  t.same((await db.rpc('add', { a: 2, b: 3 })).data, 5)
  t.same((await db.rpc('add', { a: 2, b: 3 }, { get: true })).data, 5)
  const rows = await db.rpc('books_after', { y: 1980 }).select('id,title').order('id')
  t.same(rows.data, [{ id: 3, title: 'Guards! Guards!' }, { id: 4, title: 'Consider Phlebas' }, { id: 5, title: 'Mort' }])
  const filtered = await db.rpc('books_after', { y: 1980 }, { get: true }).select('id').eq('year', 1987).order('id')
  t.same(filtered.data, [{ id: 4 }, { id: 5 }])
  const embedded = await db.rpc('books_after', { y: 1988 }).select('id, author:authors!author_id(name)')
  t.same(embedded.data, [{ id: 3, author: { name: 'Terry' } }])
  const single = await db.rpc('books_after', { y: 1988 }).select('id').single()
  t.same(single.data, { id: 3 })
  t.same((await db.rpc('numbers', { n: 3 })).data, [1, 2, 3])
  t.same((await db.rpc('echo', { payload: { a: [1, 2] } })).data, { a: [1, 2] })
  const whole = await api.fetch('/rpc/whole', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"x":1}' })
  t.same(await whole.json(), { x: 1 }, 'single unnamed jsonb parameter gets the body')
  t.same((await db.rpc('stats')).data, { total: 5, maxyear: 1989 }, 'OUT parameters make an object')
  const counted = await db.rpc('books_after', { y: 1900 }, { count: 'exact' }).range(0, 1)
  t.equal(counted.count, 5)
  t.equal((counted.data as unknown[]).length, 2)
})

t.test('void, read-only GET, errors', async (t) => {
  const db = api.client()
  const bump = await db.rpc('bump', { item: 7 })
  t.equal(bump.status, 204)
  const viaGet = await api.fetch('/rpc/bump?item=7')
  t.equal(viaGet.status, 405, 'GET runs read-only')
  t.equal((await viaGet.json()).code, '25006')
  const fail = await db.rpc('fail')
  t.equal(fail.status, 402)
  t.same(fail.error, { code: 'PT402', details: null, hint: null, message: 'Payment Required' })
  const missing = await db.rpc('add', { a: 1 })
  t.equal(missing.status, 404)
  t.equal(missing.error?.code, 'PGRST202')
  t.equal(missing.error?.message, 'Could not find the function public.add(a) in the schema cache')
  const put = await api.fetch('/rpc/add', { method: 'PUT' })
  t.equal(put.status, 405)
  t.equal((await put.json()).code, 'PGRST101')
  const typeErr = await api.fetch('/rpc/add?a=x&b=1')
  t.equal(typeErr.status, 400)
  t.same((await db.rpc('me')).data, null)
  const moved = await api.fetch('/rpc/redirect', { method: 'POST', redirect: 'manual' })
  t.equal(moved.status, 303, 'response.status')
  t.equal(moved.headers.get('location'), '/elsewhere')
  t.equal(moved.headers.get('x-custom'), 'yes', 'response.headers')
  const me = await api.client(await api.signToken({ sub: 'u1', role: 'authenticated' })).rpc('me')
  t.same(me.data, 'u1')
})

t.test('concurrent small reads share connections but never settings, roles or errors', async (t) => {
  // Reads arriving together are batched on one connection, each in its own transaction: a
  // failing one must not disturb the others, and each must see its own claims and role.
  const admin = new pg.Client({ connectionString: api.db.adminUrl })
  await admin.connect()
  await admin.query(`INSERT INTO public.notes (owner, body) SELECT 'u' || g, 'note ' || g FROM generate_series(0, 11) g`)
  await admin.end()
  const tokens = await Promise.all(Array.from({ length: 12 }, (_, i) => api.signToken({ role: 'authenticated', sub: `u${i}` })))
  const calls = Array.from({ length: 60 }, async (_, i) => {
    const kind = i % 5
    const path = ['/notes?select=owner', '/secrets?id=eq.1', '/items?id=eq.notanumber', `/items?id=eq.${1 + i}&select=id`, '/rpc/add?a=1&b=2'][kind]!
    const res = await api.fetch(path, kind === 0 ? { token: tokens[i % tokens.length]! } : {})
    return { i, kind, status: res.status, body: await res.json() }
  })
  for (const r of await Promise.all(calls)) {
    if (r.kind === 0) t.same([r.status, r.body], [200, [{ owner: `u${r.i % tokens.length}` }]], 'own claims and role under RLS')
    else if (r.kind === 1) t.same([r.status, r.body.code], [401, '42501'], 'own error')
    else if (r.kind === 2) t.same([r.status, r.body.code], [400, '22P02'], 'bad value')
    else if (r.kind === 3) t.same([r.status, r.body], [200, [{ id: 1 + r.i }]], 'unaffected')
    else t.same([r.status, r.body], [200, 3], 'unaffected')
  }
  const anon = await api.fetch('/notes')
  t.same([anon.status, await anon.json()], [200, []], 'no claims left behind')
})
