import fc from 'fast-check'
import t from 'tap'
import type { RestHttpRequest } from './http-types.ts'
import { testCache } from './plan/test-cache.ts'
import { prepareRequest, ReadShapes, shapeKey, type Prepared } from './prepare.ts'
import { parseRequest } from './request/parse-request.ts'

const NO_BODY = Buffer.alloc(0)
const get = (routePath: string, query: string, headers: Record<string, string> = {}): RestHttpRequest => ({ method: 'GET', routePath, query, headers, body: NO_BODY })
const full = (req: RestHttpRequest, cache = testCache()): Prepared => prepareRequest(parseRequest(req, ['public']), cache)

/** Through the shapes: learns from `first`, then answers `next` from its shape (undefined when unknown). */
function viaShape(first: RestHttpRequest, next: RestHttpRequest): Prepared | undefined {
  const cache = testCache()
  const shapes = new ReadShapes()
  const prepare = (req: RestHttpRequest) => prepareRequest(parseRequest(req, ['public']), cache)
  shapes.learn(cache, shapeKey(first)!, first, prepare(first), prepare)
  const key = shapeKey(next)
  return key && shapes.find(cache, key)
}

// Values of every kind, as a client would percent-encode them, and raw ones with '+' and '%'.
const value = fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('', '1', 'eq.1', 'a+b', '%', '(1,2)', 'x,y', '"q"', 'null', '\u0000pgsr0\u0000'))
const encoded = value.map((v) => encodeURIComponent(v))
const raw = fc.constantFrom('a+b', '%41', '%zz', '1', '')
const anyValue = fc.oneof(encoded, raw)

const SHAPES: ((a: string, b: string) => [string, string])[] = [
  (a) => ['/books', `id=eq.${a}`],
  (a) => ['/books', `select=id,title&title=eq.${a}&order=id`],
  (a, b) => ['/books', `id=eq.${a}&author_id=eq.${b}`],
  (a, b) => ['/books', `id=eq.${a}&id=eq.${b}`],
  (a) => ['/books', `select=id,author:authors!author_id(name)&author_id=eq.${a}`],
  (a, b) => ['/authors', `select=id,books!author_id(title)&books.title=eq.${b}&id=eq.${a}`],
  (a) => ['/books', `id=eq.${a}&limit=3&offset=1`],
  (a, b) => ['/books', `or=(id.eq.1,title.eq.x)&title=eq.${a}&editor_id=neq.${b}`],
  (a) => ['/books', `select=id,title&title=not.eq.${a}`],
  (a) => ['/books', `title=like.${a}`],
]

t.test('a request answered from its shape gets exactly the statement the full path builds', async (t) => {
  fc.assert(
    fc.property(fc.nat(SHAPES.length - 1), anyValue, anyValue, anyValue, anyValue, (shape, a1, b1, a2, b2) => {
      const [path, q1] = SHAPES[shape]!(a1, b1)
      const [, q2] = SHAPES[shape]!(a2, b2)
      let expected: Prepared
      try {
        full(get(path, q1))
        expected = full(get(path, q2))
      } catch {
        return // a request the full path refuses is not learnt
      }
      const hit = viaShape(get(path, q1), get(path, q2))
      if (hit) {
        t.same(hit.query, { text: expected.query.text, values: expected.query.values }, `${path}?${q1} → ?${q2}`)
        t.equal(hit.small, expected.small)
      }
    }),
    { numRuns: 300 },
  )
})

t.test('GET by key is learnt once and answered from its shape', async (t) => {
  for (const [a, b] of [['1', '2'], ['x%2Cy', '%F0%9F%98%80'], ['a+b', '%25'], ['', '9007199254740993']]) {
    const hit = viaShape(get('/books', `id=eq.${a}`), get('/books', `id=eq.${b}`))
    t.ok(hit, `id=eq.${a} → id=eq.${b}`)
    t.same(hit?.query.values.slice(-1), [new URLSearchParams(`v=${b}`).get('v')])
    t.ok(hit?.small, 'by key: one pipelined batch')
  }
  const two = viaShape(get('/books', 'id=eq.1&author_id=eq.2'), get('/books', 'id=eq.3&author_id=eq.4'))
  t.same(two?.query.values, ['3', '4'], 'two filters, each in its place')
})

t.test('what is not a value of the shape keeps requests apart', async (t) => {
  const first = get('/books', 'id=eq.1')
  t.equal(viaShape(first, get('/books', 'id=eq.2&select=title')), undefined, 'another select')
  t.equal(viaShape(first, get('/authors', 'id=eq.2')), undefined, 'another table')
  t.equal(viaShape(first, get('/books', 'id=gt.2')), undefined, 'another operator')
  t.equal(viaShape(first, get('/books', 'title=eq.2')), undefined, 'another column')
  t.equal(viaShape(first, { ...get('/books', 'id=eq.2'), method: 'HEAD' }), undefined, 'HEAD')
  for (const header of ['accept', 'prefer', 'range', 'range-unit', 'accept-profile', 'content-type']) {
    t.equal(viaShape(first, get('/books', 'id=eq.2', { [header]: 'x' })), undefined, header)
  }
  t.equal(shapeKey({ ...get('/books', 'id=eq.2'), method: 'POST' }), undefined, 'writes have no shape')
  t.equal(shapeKey({ ...get('/books', 'id=eq.2'), body: Buffer.from('{}') }), undefined, 'nor requests with a body')
  const planned = get('/books', 'id=eq.1', { prefer: 'count=planned' })
  t.ok(full(planned).query.countStatement, 'count=planned: an EXPLAIN first')
  t.equal(viaShape(planned, get('/books', 'id=eq.2', { prefer: 'count=planned' })), undefined, 'a read with a statement to EXPLAIN first is not learnt')
  const exact = viaShape(get('/books', 'id=eq.1', { prefer: 'count=exact' }), get('/books', 'id=eq.2', { prefer: 'count=exact' }))
  t.same(exact?.query, full(get('/books', 'id=eq.2', { prefer: 'count=exact' })).query, 'count=exact counts in the one statement: learnt')
})

t.test('a reloaded schema cache starts with no shapes', async (t) => {
  const shapes = new ReadShapes()
  const before = testCache()
  const req = get('/books', 'id=eq.1')
  const prepare = (r: RestHttpRequest) => prepareRequest(parseRequest(r, ['public']), before)
  shapes.learn(before, shapeKey(req)!, req, prepare(req), prepare)
  t.ok(shapes.find(before, shapeKey(get('/books', 'id=eq.2'))!))
  t.equal(shapes.find(testCache(), shapeKey(get('/books', 'id=eq.2'))!), undefined)
})

t.test('only a result read through a cursor counts its page in PostgreSQL', async (t) => {
  const window = /count\(\*\) OVER \(\)/
  const byKey = full(get('/books', 'id=eq.1'))
  t.ok(byKey.small, 'by key: read whole')
  t.notMatch(byKey.query.text, window, 'by key: the page is the number of rows, no window aggregate')
  t.match(byKey.query.text, /NULL::bigint AS pgrst_page/)
  t.notMatch(full(get('/books', 'limit=20')).query.text, window, 'a small limit: read whole')
  const all = full(get('/books', ''))
  t.notOk(all.small, 'unbounded: streamed')
  t.match(all.query.text, window, 'streamed: the page size comes with the first rows')
  const rollback = full(get('/books', 'id=eq.1', { prefer: 'tx=rollback' }))
  t.notOk(rollback.small, 'tx=rollback goes through a transaction of its own')
  t.match(rollback.query.text, window)
  t.match(full(get('/books', 'id=eq.1', { prefer: 'count=exact' })).query.text, /count\(pgrst_t\.pgrst_r\) OVER \(\)/, 'a total keeps the one-row LEFT JOIN')
})
