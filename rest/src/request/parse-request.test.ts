import t from 'tap'
import { negotiate, parseRange, pickSchema } from './parse-headers.ts'
import { parseCsv } from './parse-csv.ts'
import { parsePrefer } from './parse-prefer.ts'
import { parsePath, parseRequest } from './parse-request.ts'

const req = (query: string, headers: Record<string, string> = {}, method = 'GET', routePath = '/items') =>
  parseRequest({ method, routePath, query, headers, body: Buffer.alloc(0) }, ['public', 'other'])
const code = (c: string) => ({ name: 'ApiError', code: c })

t.test('paths', async (t) => {
  t.same(parsePath(''), { kind: 'root' })
  t.same(parsePath('/'), { kind: 'root' })
  t.same(parsePath('/items'), { kind: 'relation', name: 'items' })
  t.same(parsePath('/my%20table'), { kind: 'relation', name: 'my table' })
  t.same(parsePath('/rpc/fn'), { kind: 'routine', name: 'fn' })
  t.throws(() => parsePath('/a/b'), code('PGRST125'))
  t.throws(() => parsePath('/%E0%A4%A'), code('PGRST125'))
})

t.test('Prefer', async (t) => {
  t.same(parsePrefer('return=representation, count=exact'), { return: 'representation', count: 'exact', invalid: [] })
  t.same(parsePrefer('resolution=merge-duplicates,missing=default,tx=rollback,handling=strict,max-affected=5'), {
    resolution: 'merge-duplicates', missing: 'default', tx: 'rollback', handling: 'strict', maxAffected: 5, invalid: [],
  })
  t.same(parsePrefer('return=everything, x'), { invalid: ['return=everything', 'x'] })
  t.same(parsePrefer(undefined), { invalid: [] })
})

t.test('Accept, Range and profiles', async (t) => {
  t.same(negotiate(undefined, false), { accept: 'json', stripNulls: false })
  t.same(negotiate('text/csv', false), { accept: 'csv', stripNulls: false })
  t.same(negotiate('application/vnd.pgrst.object+json;nulls=stripped', false), { accept: 'object', stripNulls: true })
  t.same(negotiate('text/html, application/json;q=0.5', false), { accept: 'json', stripNulls: false })
  t.same(negotiate('*/*', true), { accept: 'openapi', stripNulls: false })
  t.throws(() => negotiate('text/html', false), code('PGRST107'))
  t.same(parseRange('0-9', undefined), { from: 0, to: 9 })
  t.same(parseRange('5-', 'items'), { from: 5 })
  t.equal(parseRange('bytes=0-9', undefined), undefined)
  t.throws(() => parseRange('9-1', undefined), code('PGRST103'))
  t.same(pickSchema('GET', { 'accept-profile': 'other' }, ['public', 'other']), { schema: 'other', negotiated: true })
  t.same(pickSchema('POST', {}, ['public']), { schema: 'public', negotiated: false })
  t.throws(() => pickSchema('POST', { 'content-profile': 'x' }, ['public']), code('PGRST106'))
})

t.test('whole requests', async (t) => {
  const r = req('select=id,b(c)&id=gt.1&b.c=eq.2&b.order=c.desc&b.limit=3&order=id&limit=10&offset=5&or=(id.eq.1,id.eq.2)')
  t.equal(r.nodes.get('')?.filters.length, 2)
  t.same(r.nodes.get('')?.order, [{ field: { name: 'id', path: [] } }])
  t.equal(r.nodes.get('')?.limit, 10)
  t.equal(r.nodes.get('')?.offset, 5)
  t.equal(r.nodes.get('b')?.limit, 3)
  t.equal(r.nodes.get('b')?.filters.length, 1)
  const call = req('a=1&b=2&select=x', {}, 'GET', '/rpc/fn')
  t.same(call.rawParams, [['a', '1'], ['b', '2']])
  t.same(req('columns="a",b&on_conflict=a').columns, ['a', 'b'])
  t.throws(() => req('limit=-1'), code('PGRST103'))
  t.throws(() => req('limit=x'), code('PGRST100'))
  t.throws(() => req('', {}, 'TRACE'), code('PGRST117'))
})

t.test('CSV bodies', async (t) => {
  t.same(parseCsv('id,name\n1,a\r\n2,"b, ""c"""\n3,NULL\n4,"NULL"\n'), [
    { id: '1', name: 'a' },
    { id: '2', name: 'b, "c"' },
    { id: '3', name: null },
    { id: '4', name: 'NULL' },
  ])
  t.same(parseCsv('id\n1'), [{ id: '1' }])
  t.same(parseCsv(''), [])
  t.throws(() => parseCsv('a,b\n1'), code('PGRST102'))
  t.throws(() => parseCsv('a\n"1'), code('PGRST102'))
})
