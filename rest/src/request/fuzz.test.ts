// Property test of the whole front half (parse → plan → SQL) with no database: any query string
// either becomes a statement whose placeholders match its values, or fails with an ApiError —
// never another exception (which would be a 500).
import fc from 'fast-check'
import t from 'tap'
import { ApiError } from '@pgstack/common'
import { planRequest } from '../plan/plan-request.ts'
import { testCache } from '../plan/test-cache.ts'
import { buildStatement } from '../sql/build-statement.ts'
import { parseRequest } from './parse-request.ts'

const cache = testCache()
const alphabet = fc.constantFrom(...'abcdeiklnortu_*.,:!()"\\->{}[]%=& 0123456789'.split(''), 'eq.', 'not.', 'or=(', 'and(', 'in.(', 'is.null', '->>', '::', '...', 'select=', 'order=', 'books', 'authors', 'genres', 'id', 'title', 'author_id', '!inner', 'limit=', '.desc', 'nullslast')
const noise = fc.array(alphabet, { maxLength: 40 }).map((parts) => parts.join(''))
const key = fc.constantFrom('select', 'order', 'limit', 'offset', 'id', 'title', 'author_id', 'or', 'not.and', 'authors.name', 'books.id', 'books.order', 'books.limit', 'columns', 'on_conflict', 'name')
const value = fc.oneof(
  { arbitrary: noise, weight: 1 },
  { arbitrary: fc.constantFrom('*', 'id,title', 'id,authors!author_id(name)', 'id,genres(*)', '*,books!author_id(id,genres(name))', '...authors!author_id(name)', 'id.desc', 'eq.1', 'in.(1,2)', 'is.null', 'not.like.*a*', '(id.eq.1,title.eq.x)', '5', 'fts(english).x', 'cs.{1}', 'eq(any).{1,2}', 'title'), weight: 5 },
)
const structured = fc.array(fc.tuple(key, value), { maxLength: 5 }).map((pairs) => pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&'))

t.test('parse → plan → SQL never throws anything but ApiError', async (t) => {
  let statements = 0
  let rejected = 0
  fc.assert(
    fc.property(
      fc.constantFrom('/books', '/books', '/authors', '/authors', '/genres', '/book_genres', '/nope', '/rpc/x', '/', '/a/b'),
      fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'HEAD'),
      fc.oneof({ arbitrary: noise, weight: 1 }, { arbitrary: structured, weight: 4 }),
      fc.constantFrom(undefined, 'return=representation', 'count=exact', 'count=planned', 'resolution=merge-duplicates', 'handling=strict, bogus'),
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
