// Property test of the whole front half (parse → plan → SQL) with no database: any query string
// either becomes a statement whose placeholders match its values, or fails with an ApiError —
// never another exception (which would be a 500).
import fc from 'fast-check'
import t from 'tap'
import { ApiError } from '@pgstack/common'
import { parseBatch } from '../batch.ts'
import { planRequest } from '../plan/plan-request.ts'
import { testCache } from '../plan/test-cache.ts'
import { buildStatement } from '../sql/build-statement.ts'
import { parseRequest } from './parse-request.ts'

const cache = testCache()
const alphabet = fc.constantFrom(...'abcdeiklnortu_*.,:!()"\\->{}[]%=& 0123456789'.split(''), 'eq.', 'not.', 'or=(', 'and(', 'in.(', 'is.null', '->>', '::', '...', 'select=', 'order=', 'books', 'authors', 'genres', 'id', 'title', 'author_id', '!inner', 'limit=', '.desc', 'nullslast', 'count()', '.sum()', '.avg()', '::text', 'authors.name.', 'books(id)')
const noise = fc.array(alphabet, { maxLength: 40 }).map((parts) => parts.join(''))
const key = fc.constantFrom('select', 'order', 'limit', 'offset', 'id', 'title', 'author_id', 'or', 'not.and', 'authors.name', 'books.id', 'books.order', 'books.limit', 'columns', 'on_conflict', 'name')
const value = fc.oneof(
  { arbitrary: noise, weight: 1 },
  { arbitrary: fc.constantFrom('*', 'id,title', 'id,authors!author_id(name)', 'id,genres(*)', '*,books!author_id(id,genres(name))', '...authors!author_id(name)', 'id.desc', 'eq.1', 'in.(1,2)', 'is.null', 'not.like.*a*', '(id.eq.1,title.eq.x)', '5', 'fts(english).x', 'cs.{1}', 'eq(any).{1,2}', 'title'), weight: 5 },
  // beyond PostgREST: aggregates, ordering and filtering by embedded columns
  { arbitrary: fc.constantFrom('count()', 'author_id,n:count()::text', 'id.sum(),id.max()', 'title,authors!author_id(name),count()', 'id::text.max()', 'authors!author_id(id.count())', '...authors!author_id(id.sum())', 'authors!author_id(name).desc', 'books!author_id(id).asc.nullsfirst', '(authors.name.eq.x,id.gt.1)', '(books.genres.name.eq.x)', '(nope.id.eq.1)', 'id.median()'), weight: 3 },
)
const structured = fc.array(fc.tuple(key, value), { maxLength: 5 }).map((pairs) => pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&'))

t.test('a batch body: parsed into operations or refused with a 4xx ApiError, never anything else', async (t) => {
  const op = fc.record(
    {
      name: fc.oneof(fc.constantFrom('a', 'b', '1x', ''), fc.string({ maxLength: 4 })),
      method: fc.constantFrom('GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'HEAD', 'TRACE', 'get', ''),
      path: fc.constantFrom('/books', '/books?id=eq.{{a.id}}', 'books', '/', '/rpc/x', '/a/b', '/books?select={{b.0.x}}'),
      headers: fc.oneof(fc.constant({}), fc.constant({ Prefer: 'return=representation' }), fc.constant({ Authorization: 'x' }), fc.constant({ Prefer: 'tx=commit' }), fc.constant({ Accept: 1 })),
      body: fc.oneof(fc.jsonValue(), fc.constant({ author_id: '{{a.id}}' })),
      extra: fc.integer(),
    },
    { requiredKeys: [] },
  )
  const body = fc.oneof(
    fc.array(op, { maxLength: 4 }).map((ops) => JSON.stringify({ operations: ops })),
    fc.array(op, { maxLength: 4 }).map((ops) => JSON.stringify(ops)),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 30 }),
  )
  let parsed = 0
  let refused = 0
  fc.assert(
    fc.property(body, (text) => {
      try {
        parseBatch(Buffer.from(text))
        parsed++
      } catch (error) {
        if (!(error instanceof ApiError) || error.status >= 500) throw error
        refused++
      }
    }),
    { numRuns: 2000 },
  )
  t.ok(parsed > 0 && refused > 0, `${parsed} batches parsed, ${refused} refused with 4xx`)
})

t.test('parse → plan → SQL never throws anything but ApiError', async (t) => {
  let statements = 0
  let rejected = 0
  fc.assert(
    fc.property(
      fc.constantFrom('/books', '/books', '/authors', '/authors', '/genres', '/book_genres', '/nope', '/rpc/x', '/', '/a/b'),
      fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'HEAD'),
      fc.oneof({ arbitrary: noise, weight: 1 }, { arbitrary: structured, weight: 4 }),
      fc.constantFrom(undefined, 'return=representation', 'count=exact', 'count=planned', 'resolution=merge-duplicates', 'handling=strict, bogus', 'timezone=UTC', 'handling=strict, timezone=Mars/Olympus', 'params=single-object', 'max-affected=1, handling=strict'),
      fc.constantFrom(undefined, 'text/csv', 'application/vnd.pgrst.object+json', 'text/html'),
      (path, method, query, prefer, accept) => {
        const headers: Record<string, string> = { 'content-type': 'application/json' }
        if (prefer) headers.prefer = prefer
        if (accept) headers.accept = accept
        try {
          const req = parseRequest({ method, routePath: path, query, headers, body: Buffer.from('{"title":"x"}') }, ['public'])
          if (req.resource.kind === 'root') return
          const q = buildStatement(planRequest(req, cache))
          const used = Math.max(0, ...[...q.text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])))
          if (used !== q.values.length) throw new Error(`placeholders ${used} ≠ values ${q.values.length} in ${q.text}`)
          statements++
        } catch (error) {
          if (!(error instanceof ApiError)) throw error
          if (error.status >= 500) throw error
          rejected++
        }
      },
    ),
    { numRuns: 5000 },
  )
  t.ok(statements > 0 && rejected > 0, `${statements} statements built, ${rejected} requests rejected with 4xx`)
})
