// Reads through @supabase/postgrest-js and raw HTTP: filters, select, order, paging, counts,
// singular responses, CSV and PostgREST's errors.
import { request as httpRequest } from 'node:http'
import t from 'tap'
import { startRestTest, type RestTest } from './helpers.ts'

let api: RestTest
t.before(async () => {
  api = await startRestTest(t)
})

const ids = (rows: unknown) => (rows as { id: number }[]).map((r) => r.id)

t.test('operators through postgrest-js', async (t) => {
  const db = api.client()
  const cases: [string, () => PromiseLike<{ data: unknown; error: unknown }>, number[]][] = [
    ['eq', () => db.from('items').select('id').eq('id', 5), [5]],
    ['neq + lte', () => db.from('items').select('id').neq('id', 1).lte('id', 3).order('id'), [2, 3]],
    ['gt/lt', () => db.from('items').select('id').gt('id', 10).lt('id', 13).order('id'), [11, 12]],
    ['in', () => db.from('items').select('id').in('id', [3, 1, 2]).order('id'), [1, 2, 3]],
    ['like', () => db.from('items').select('id').like('name', 'item 9*').order('id'), [9, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99]],
    ['ilike', () => db.from('books').select('id').ilike('title', '*GUARDS*'), [3]],
    ['match', () => db.from('books').select('id').match({ year: 1987 }).order('id'), [4, 5]],
    ['regex', () => db.from('books').select('id').filter('title', 'match', '^M'), [5]],
    ['imatch', () => db.from('books').select('id').filter('title', 'imatch', '^m'), [5]],
    ['is null', () => db.from('books').select('id').is('editor_id', null).order('id'), [2, 4, 5]],
    ['not is null', () => db.from('books').select('id').not('editor_id', 'is', null).order('id'), [1, 3]],
    ['isdistinct', () => db.from('books').select('id').filter('editor_id', 'isdistinct', 1).order('id'), [1, 2, 4, 5]],
    ['cs', () => db.from('books').select('id').contains('tags', ['fantasy']).order('id'), [1, 3, 5]],
    ['cd', () => db.from('books').select('id').containedBy('tags', ['scifi', 'space']).order('id'), [2, 4]],
    ['ov', () => db.from('books').select('id').overlaps('tags', ['humour', 'space']).order('id'), [3, 4]],
    ['fts', () => db.from('books').select('id').textSearch('search', 'wizard'), [1]],
    ['plfts', () => db.from('books').select('id').textSearch('search', 'left hand', { type: 'plain', config: 'english' }), [2]],
    ['phfts', () => db.from('books').select('id').textSearch('search', 'left hand', { type: 'phrase' }), [2]],
    ['wfts', () => db.from('books').select('id').textSearch('search', '"guards" -mort', { type: 'websearch' }), [3]],
    ['range sl', () => db.from('items').select('id').rangeLt('during', '[50,60)').lte('id', 2).order('id'), [1, 2]],
    ['range adj', () => db.from('items').select('id').rangeAdjacent('during', '[1,3)'), [3]],
    ['range nxl', () => db.from('items').select('id').rangeGte('during', '[99,100)').order('id'), [99, 100]],
    ['or', () => db.from('items').select('id').or('id.eq.1,id.eq.3').order('id'), [1, 3]],
    ['nested and/or', () => db.from('items').select('id').or('and(id.gte.10,id.lte.11),id.eq.50').order('id'), [10, 11, 50]],
    ['not.or', () => db.from('items').select('id').not('id', 'gt', 2).order('id'), [1, 2]],
    ['json path', () => db.from('books').select('id').eq('meta->>pages', '286'), [2]],
    ['json nested', () => db.from('books').select('id').eq('meta->series->>name', 'Discworld'), [3]],
    ['eq(any)', () => db.from('items').select('id').filter('id', 'eq(any)', '{4,7}').order('id'), [4, 7]],
    ['like(all)', () => db.from('books').select('id').filter('title', 'like(all)', '{*a*,*o*}').order('id'), [1, 2, 4]],
  ]
  for (const [name, run, expected] of cases) {
    const { data, error } = await run()
    t.same(error, null, `${name}: no error`)
    t.same(ids(data), expected, name)
  }
})

t.test('select: aliases, casts, json paths, order, paging', async (t) => {
  const db = api.client()
  const a = await db.from('books').select('name:title,year::text,pages:meta->pages,series:meta->series->>name').eq('id', 1).single()
  t.same(a.data, { name: 'A Wizard of Earthsea', year: '1968', pages: 183, series: 'Earthsea' })
  const b = await db.from('books').select('id').order('price', { ascending: false, nullsFirst: true })
  t.same(ids(b.data), [4, 2, 1, 3, 5])
  const c = await db.from('books').select('id').order('year').order('id', { ascending: false })
  t.same(ids(c.data), [1, 2, 5, 4, 3])
  const d = await db.from('items').select('id').order('id').range(10, 14)
  t.same(ids(d.data), [11, 12, 13, 14, 15])
  const e = await db.from('items').select('id').order('id').limit(2)
  t.same(ids(e.data), [1, 2])
})

t.test('counts, Content-Range and status codes', async (t) => {
  const db = api.client()
  const a = await db.from('items').select('id', { count: 'exact' }).order('id').range(0, 9)
  t.equal(a.count, 100)
  t.equal(a.status, 206)
  const b = await db.from('items').select('*', { count: 'exact', head: true })
  t.equal(b.count, 100)
  t.equal(b.data, null)
  const c = await db.from('items').select('id', { count: 'planned' }).limit(1)
  t.ok(typeof c.count === 'number' && c.count > 0, 'planned count')
  const d = await db.from('items').select('id', { count: 'estimated' }).limit(1)
  t.equal(d.count, 100, 'estimated is exact under the threshold')

  let res = await api.fetch('/items?select=id&order=id', { headers: { Range: '0-4', 'Range-Unit': 'items' } })
  t.equal(res.headers.get('content-range'), '0-4/*')
  t.equal(res.status, 200)
  t.equal((await res.json()).length, 5)
  res = await api.fetch('/items?select=id&offset=200', { headers: { Prefer: 'count=exact' } })
  t.equal(res.status, 416)
  t.same(await res.json(), { code: 'PGRST103', message: 'Requested range not satisfiable', details: 'An offset of 200 was requested, but there are only 100 rows.', hint: null })
  res = await api.fetch('/items?select=id&id=gt.1000', { headers: { Prefer: 'count=exact' } })
  t.equal(res.headers.get('content-range'), '*/0')
  t.same(await res.json(), [])
  res = await api.fetch('/items?select=id', { headers: { Range: '5-1' } })
  t.equal(res.status, 416)
})

t.test('singular responses', async (t) => {
  const db = api.client()
  const one = await db.from('authors').select('name').eq('id', 2).single()
  t.same(one.data, { name: 'Terry' })
  const none = await db.from('authors').select('name').eq('id', 99).single()
  t.equal(none.status, 406)
  t.equal(none.error?.code, 'PGRST116')
  t.equal(none.error?.details, 'The result contains 0 rows')
  const many = await db.from('authors').select('name').single()
  t.equal(many.error?.details, 'The result contains 3 rows')
  const maybe = await db.from('authors').select('name').eq('id', 99).maybeSingle()
  t.same(maybe, { ...maybe, data: null, error: null })
  const res = await api.fetch('/authors?id=eq.1&select=id', { headers: { Accept: 'application/vnd.pgrst.object+json' } })
  t.equal(res.headers.get('content-type'), 'application/vnd.pgrst.object+json; charset=utf-8')
  t.same(await res.json(), { id: 1 })
})

t.test('csv and content negotiation', async (t) => {
  const db = api.client()
  const { data } = await db.from('authors').select('id,name').order('id').csv()
  t.equal(data, 'id,name\n1,Ursula\n2,Terry\n3,Iain')
  const res = await api.fetch('/books?select=title&id=eq.3', { headers: { Accept: 'text/csv' } })
  t.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8')
  t.equal(await res.text(), 'title\n"Guards! Guards!"')
  const bad = await api.fetch('/books', { headers: { Accept: 'text/xml' } })
  t.equal(bad.status, 406)
  t.equal((await bad.json()).code, 'PGRST107')
  const stripped = await api.fetch('/books?select=id,editor_id&id=eq.2', { headers: { Accept: 'application/vnd.pgrst.array+json;nulls=stripped' } })
  t.same(await stripped.json(), [{ id: 2 }])
})

t.test('errors', async (t) => {
  const expectError = async (path: string, status: number, code: string, init?: RequestInit) => {
    const res = await api.fetch(path, init)
    const body = (await res.json()) as { code: string; message: string }
    t.equal(res.status, status, `${path} status`)
    t.equal(body.code, code, `${path} code`)
    t.ok(typeof body.message === 'string' && 'details' in body && 'hint' in body, `${path} shape`)
    return body
  }
  const missing = await expectError('/nope', 404, 'PGRST205')
  t.equal(missing.message, "Could not find the table 'public.nope' in the schema cache")
  await expectError('/items?id=eq', 400, 'PGRST100')
  await expectError('/items?id=foo.1', 400, 'PGRST100')
  await expectError('/items?select=id,', 400, 'PGRST100')
  await expectError('/items?order=id.sideways', 400, 'PGRST100')
  await expectError('/items?or=(id.eq.1', 400, 'PGRST100')
  await expectError('/items?limit=x', 400, 'PGRST100')
  await expectError('/items?id=eq.abc', 400, '22P02')
  await expectError('/items?nope=eq.1', 400, '42703')
  await expectError('/items?select=nope', 400, '42703')
  await expectError('/books?select=*,nothing(*)', 400, 'PGRST200')
  const ambiguous = await expectError('/books?select=*,authors(*)', 300, 'PGRST201')
  t.match(ambiguous, { details: Array })
  await expectError('/books?authors.name=eq.x', 400, 'PGRST108')
  await expectError('/secrets', 401, '42501')
  await expectError('/secrets', 403, '42501', { headers: { Authorization: `Bearer ${await api.signToken({ role: 'authenticated', sub: 'x' })}` } })
  await expectError('/items?select=count(),nope', 400, '42703')
  await expectError('/items', 406, 'PGRST106', { headers: { 'Accept-Profile': 'private' } })
  await expectError('/a/b/c', 404, 'PGRST125')
  await expectError('/rpc/nothing', 404, 'PGRST202')
  // fetch refuses to send TRACE at all, so it goes out through node:http
  const trace = await rawRequest('TRACE', '/items')
  t.equal(trace.status, 405)
  t.match(JSON.parse(trace.body), { code: 'PGRST117', message: 'Unsupported HTTP method: TRACE', details: null, hint: null })
})

/** A request fetch will not send (TRACE), through node:http. */
function rawRequest(method: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${api.rest}${path}`, { method, headers: { apikey: api.anonKey } }, (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (body += chunk))
      response.on('end', () => resolve({ status: response.statusCode!, body }))
    })
    request.on('error', reject)
    request.end()
  })
}

t.test('JWT', async (t) => {
  const bad = await api.fetch('/items?id=eq.1', { headers: { Authorization: 'Bearer not-a-token' } })
  t.equal(bad.status, 401)
  t.same(await bad.json(), { code: 'PGRST301', details: null, hint: null, message: 'Expected 3 parts in JWT; got 1' })
  const expired = await api.fetch('/items?id=eq.1', { headers: { Authorization: `Bearer ${await api.signToken({ role: 'authenticated' }, -120)}` } })
  t.equal(expired.status, 401)
  t.same(await expired.json(), { code: 'PGRST303', details: null, hint: null, message: 'JWT expired' })
  t.match(expired.headers.get('www-authenticate'), /invalid_token/)
  const forged = await api.fetch('/items?id=eq.1', { headers: { Authorization: `Bearer ${api.anonKey.slice(0, -4)}AAAA` } })
  t.equal(forged.status, 401)
  t.equal((await forged.json()).code, 'PGRST301')
  const anon = await fetch(`${api.rest}/items?id=eq.1&select=id`)
  t.same(await anon.json(), [{ id: 1 }], 'no token at all is anon')
  const viaApikey = await fetch(`${api.rest}/rpc/me`, { headers: { apikey: await api.signToken({ role: 'authenticated', sub: 'k1' }) } })
  t.same(await viaApikey.json(), 'k1', 'apikey used without Authorization')
})
