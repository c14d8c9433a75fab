import t from 'tap'
import { comparatorFor, parseOrder } from './order.ts'

const columns = ['id', 'title', 'done']

t.test('parseOrder reads the last top-level ORDER BY over output columns', async (t) => {
  const cases: Array<[string, unknown]> = [
    ['SELECT id, title FROM todo ORDER BY id', [{ column: 'id', desc: false, nullsFirst: false }]],
    ['select * from todo t order by t.title desc, 1 limit 5', [{ column: 'title', desc: true, nullsFirst: true }, { column: 'id', desc: false, nullsFirst: false }]],
    ['SELECT id FROM todo ORDER BY "title" NULLS FIRST;', [{ column: 'title', desc: false, nullsFirst: true }]],
    ["SELECT id FROM todo WHERE title = 'x order by done' ORDER BY done DESC NULLS LAST", [{ column: 'done', desc: true, nullsFirst: false }]],
    ['SELECT id FROM (SELECT id FROM todo ORDER BY id) s', null],
    ['SELECT id FROM todo ORDER BY lower(title)', null],
    ['SELECT id FROM todo ORDER BY owner', null],
    ['SELECT id FROM todo ORDER BY 9', null],
    ['SELECT id FROM todo', null],
  ]
  for (const [sql, expected] of cases) t.same(parseOrder(sql, columns), expected, sql)
})

t.test('the comparator sorts like PostgreSQL (C collation, NULLS LAST ascending)', async (t) => {
  const compare = comparatorFor([{ column: 'title', desc: false, nullsFirst: false }, { column: 'id', desc: true, nullsFirst: true }])
  const rows = [{ id: 1, title: 'b' }, { id: 2, title: null }, { id: 3, title: 'B' }, { id: 4, title: 'b' }, { id: 5, title: 'a' }]
  t.same(rows.sort(compare).map((r) => r.id), [3, 5, 4, 1, 2])
})
