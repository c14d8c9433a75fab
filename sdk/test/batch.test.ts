// The SDK reaches what /rest/v1 does beyond PostgREST: client.batch() with builders and ref(),
// aggregates through select(), parents ordered and filtered by embedded columns through order()
// and or(), all under the signed-in user's RLS.
import t from 'tap'
import { ref } from '@pgstack/sdk/pgstack'
import { startSdkStack } from './stack.ts'

const stack = await startSdkStack(t)
const db = stack.client()

t.test('client.batch: builders in one transaction, a later one using an earlier key', async (t) => {
  const { data, error, status } = await db.batch([
    { name: 'todo', query: db.from('todos').insert({ title: 'batch todo' }).select('id, title').single() },
    // ref() stands for a value the server fills in: typed as the column it goes to
    db.from('tags').insert([{ todo_id: ref('todo.id') as unknown as number, name: 'batched' }]).select('todo_id, name'),
    db.from('todos').select('title, tags(name)', { count: 'exact' }).eq('id', ref('todo.id') as unknown as number),
  ])
  t.equal(error, null)
  t.equal(status, 200)
  const todo = data![0]!.data as { id: number; title: string }
  t.equal(todo.title, 'batch todo')
  t.same(data![1]!.data, [{ todo_id: todo.id, name: 'batched' }])
  t.same(data![2], { data: [{ title: 'batch todo', tags: [{ name: 'batched' }] }], status: 200, count: 1, headers: data![2]!.headers })
})

t.test('client.batch: all or nothing, the failing operation named', async (t) => {
  const { data, error, status } = await db.batch([
    db.from('todos').insert({ title: 'never kept' }),
    db.from('todos').insert({ title: 'buy milk' }),
  ])
  t.equal(data, null)
  t.equal(status, 409)
  t.match(error, { code: '23505', operation: { index: 1 } })
  const kept = await db.from('todos').select('id').eq('title', 'never kept')
  t.same(kept.data, [], 'the first insert was rolled back')
  const rolledBack = await db.batch([db.from('todos').delete().eq('id', 1)], { rollback: true })
  t.equal(rolledBack.error, null)
  t.same((await db.from('todos').select('id').eq('id', 1)).data, [{ id: 1 }], 'rollback: true leaves nothing behind')
})

t.test('aggregates, and parents ordered and filtered by embedded columns, through the builder', async (t) => {
  const counts = await db.from('tags').select('todo_id, n:count()').order('todo_id')
  t.equal(counts.error, null)
  t.same(counts.data?.slice(0, 2), [{ todo_id: 1, n: 2 }, { todo_id: 3, n: 1 }])
  const latest = await db.from('todos').select('id, tags(name)').in('id', [1, 2, 3]).order('tags(name)', { ascending: false, nullsFirst: false })
  t.same(latest.data?.map((r) => r.id), [1, 3, 2], "ordered by each todo's largest tag name")
  const tagged = await db.from('todos').select('id, tags()').or('tags.name.eq.deadline,id.eq.2').order('id')
  t.same(tagged.data?.map((r) => r.id), [2, 3])
})
