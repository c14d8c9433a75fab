import t from 'tap'
import { FeedRows } from './rows.ts'

t.test('keyed rows: ops come back positioned in the query order', async (t) => {
  const rows = new FeedRows(['id'], [{ column: 'title', desc: false, nullsFirst: false }])
  rows.reset([{ id: 1, title: 'a' }, { id: 2, title: 'c' }])
  const ops = rows.apply([
    { op: 'delete', row: { id: 1, title: 'a' } },
    { op: 'update', row: { id: 2, title: 'a' } },
    { op: 'insert', row: { id: 3, title: 'b' } },
  ])
  t.same(ops, [
    { op: 'delete', key: '[1]' },
    { op: 'update', key: '[2]', index: 0, row: { id: 2, title: 'a' } },
    { op: 'insert', key: '[3]', index: 1, row: { id: 3, title: 'b' } },
  ])
  t.same(rows.entries().map((e) => e.key), ['[2]', '[3]'])
})

t.test('without an order: updates stay in place, inserts go last', async (t) => {
  const rows = new FeedRows(['id'], null)
  rows.reset([{ id: 1, v: 1 }, { id: 2, v: 2 }])
  t.same(rows.apply([{ op: 'update', row: { id: 1, v: 9 } }, { op: 'insert', row: { id: 0, v: 0 } }]), [
    { op: 'update', key: '[1]', index: 0, row: { id: 1, v: 9 } },
    { op: 'insert', key: '[0]', index: 2, row: { id: 0, v: 0 } },
  ])
})

t.test('keyless rows: duplicates get their own keys; a delete removes one copy', async (t) => {
  const rows = new FeedRows(null, null)
  rows.reset([{ owner: 'a' }, { owner: 'a' }])
  const [first, second] = rows.entries()
  t.not(first!.key, second!.key)
  const ops = rows.apply([{ op: 'delete', row: { owner: 'a' } }, { op: 'insert', row: { owner: 'b' } }])
  t.same(ops[0], { op: 'delete', key: first!.key })
  t.same(rows.entries().map((e) => e.row), [{ owner: 'a' }, { owner: 'b' }])
})

t.test('rows from pg_reactive are put in the query order (its incremental path patches them out of order)', async (t) => {
  const rows = new FeedRows(['id'], [{ column: 'id', desc: false, nullsFirst: false }])
  rows.reset([{ id: 3 }, { id: 1 }, { id: 2 }])
  t.same(rows.entries().map((e) => e.key), ['[1]', '[2]', '[3]'])
})
