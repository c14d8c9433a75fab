// Every postgrest-js builder method through @pgstack/sdk against /rest/v1 on a running stack,
// with results checked against the fixture (fixtures.sql), and the seed's example verbatim.
import t from 'tap'
import { startSdkStack } from './stack.ts'

const stack = await startSdkStack(t)
const pgstack = stack.client()
const ids = (rows: Array<{ id: number }> | null) => rows?.map((r) => r.id)

t.test('the seed example runs verbatim', async (t) => {
  const { data: todos } = await pgstack
    .from('todos')
    .select('*')
    .eq('done', false)
    .order('created_at', { ascending: false })
  t.same(ids(todos), [4, 3, 1])
  t.same(Object.keys(todos![0]!).sort(), ['created_at', 'done', 'id', 'labels', 'owner', 'title'])
})

t.test('select: columns, renames, casts, embedding both ways, count, head', async (t) => {
  const cols = await pgstack.from('todos').select('id, title').order('id').limit(2)
  t.equal(cols.status, 200)
  t.same(cols.data, [
    { id: 1, title: 'buy milk' },
    { id: 2, title: 'walk the dog' },
  ])
  const renamed = await pgstack.from('todos').select('name:title, id::text').eq('id', 1)
  t.same(renamed.data, [{ name: 'buy milk', id: '1' }])

  const parents = await pgstack.from('tags').select('name, todos(title)').order('id')
  t.same(parents.data?.[0], { name: 'errand', todos: { title: 'buy milk' } })
  const children = await pgstack
    .from('todos')
    .select('id, tags(name)')
    .in('id', [1, 2])
    .order('id')
    .order('name', { referencedTable: 'tags' })
  t.same(children.data, [
    { id: 1, tags: [{ name: 'errand' }, { name: 'quick' }] },
    { id: 2, tags: [] },
  ])
  const inner = await pgstack
    .from('todos')
    .select('id, tags!inner(name)')
    .eq('tags.name', 'deadline')
  t.same(inner.data, [{ id: 3, tags: [{ name: 'deadline' }] }])

  const counted = await pgstack
    .from('todos')
    .select('id', { count: 'exact' })
    .eq('done', false)
    .limit(1)
  t.equal(counted.count, 3)
  t.equal(counted.data?.length, 1)
  const head = await pgstack.from('todos').select('*', { count: 'exact', head: true })
  t.equal(head.count, 4)
  t.equal(head.data, null)
  const view = await pgstack.from('open_todos').select('title').order('title')
  t.same(
    view.data?.map((r) => r.title),
    ['buy milk', 'call mum', 'write report'],
  )
})

t.test('filters: every operator', async (t) => {
  const q = () => pgstack.from('todos').select('id').order('id')
  t.same(ids((await q().eq('done', true)).data), [2], 'eq')
  t.same(ids((await q().neq('done', true)).data), [1, 3, 4], 'neq')
  t.same(ids((await q().gt('id', 2)).data), [3, 4], 'gt')
  t.same(ids((await q().gte('id', 2)).data), [2, 3, 4], 'gte')
  t.same(ids((await q().lt('id', 2)).data), [1], 'lt')
  t.same(ids((await q().lte('id', 2)).data), [1, 2], 'lte')
  t.same(ids((await q().like('title', '%the%')).data), [2], 'like')
  t.same(ids((await q().ilike('title', 'BUY%')).data), [1], 'ilike')
  t.same(ids((await q().likeAnyOf('title', ['buy%', 'call%'])).data), [1, 4], 'likeAnyOf')
  t.same(ids((await q().ilikeAllOf('title', ['%A%', '%L%'])).data), [2, 4], 'ilikeAllOf')
  t.same(ids((await q().is('owner', null)).data), [1, 2, 3, 4], 'is null')
  t.same(ids((await q().in('id', [1, 3, 99])).data), [1, 3], 'in')
  t.same(ids((await q().contains('labels', ['home'])).data), [2], 'contains')
  t.same(
    ids((await q().containedBy('labels', ['work', 'shopping'])).data),
    [1, 3, 4],
    'containedBy',
  )
  t.same(ids((await q().overlaps('labels', ['daily', 'work'])).data), [2, 3], 'overlaps')
  t.same(
    ids((await q().textSearch('title', 'report', { config: 'english' })).data),
    [3],
    'textSearch',
  )
  t.same(
    ids((await q().textSearch('title', 'walk & dog', { type: 'plain', config: 'english' })).data),
    [2],
    'textSearch plain',
  )
  t.same(ids((await q().match({ done: false, title: 'call mum' })).data), [4], 'match')
  t.same(ids((await q().not('title', 'like', '%l%')).data), [3], 'not')
  t.same(ids((await q().or('id.eq.1,title.eq.call mum')).data), [1, 4], 'or')
  t.same(ids((await q().or('and(done.is.false,id.gt.2),id.eq.2')).data), [2, 3, 4], 'or with and')
  t.same(ids((await q().filter('id', 'in', '(2,4)')).data), [2, 4], 'filter')
  t.same(
    ids(
      (
        await pgstack
          .from('todos')
          .select('id, tags(name)')
          .or('name.eq.quick', { referencedTable: 'tags' })
          .eq('id', 1)
      ).data,
    ),
    [1],
    'or on an embedded table',
  )
})

t.test('modifiers: order, limit, range, single, maybeSingle, csv', async (t) => {
  const ordered = await pgstack
    .from('todos')
    .select('id')
    .order('done')
    .order('id', { ascending: false })
  t.same(ids(ordered.data), [4, 3, 1, 2])
  const nullsFirst = await pgstack
    .from('todos')
    .select('id')
    .order('owner', { nullsFirst: true })
    .order('id')
    .limit(1)
  t.same(ids(nullsFirst.data), [1])
  const range = await pgstack.from('todos').select('id').order('id').range(1, 2)
  t.same(ids(range.data), [2, 3])
  const single = await pgstack.from('todos').select('title').eq('id', 3).single()
  t.same(single.data, { title: 'write report' })
  t.equal(single.status, 200)
  const many = await pgstack.from('todos').select('id').single()
  t.equal(many.data, null)
  t.equal(many.status, 406)
  t.equal(many.error?.code, 'PGRST116')
  t.type(many.error?.message, 'string')
  const none = await pgstack.from('todos').select('id').eq('id', 99).maybeSingle()
  t.same([none.data, none.error], [null, null])
  const one = await pgstack.from('todos').select('id').eq('id', 2).maybeSingle()
  t.same(one.data, { id: 2 })
  const csv = await pgstack.from('todos').select('id,title').in('id', [1, 2]).order('id').csv()
  t.equal(
    csv.data,
    'id,title\n1,"buy milk"\n2,"walk the dog"',
    "PostgREST's CSV quotes as record output does",
  )
  const aborted = new AbortController()
  aborted.abort()
  const cancelled = await pgstack.from('todos').select('id').abortSignal(aborted.signal)
  t.ok(cancelled.error, 'an aborted request returns an error, not a throw')
})

t.test('mutations: insert, upsert, update, delete with select() returning rows', async (t) => {
  const inserted = await pgstack
    .from('todos')
    .insert({ title: 'new one', labels: ['x'] })
    .select('id, title, done, labels')
    .single()
  t.equal(inserted.status, 201)
  t.match(inserted.data, { title: 'new one', done: false, labels: ['x'] })
  const newId = inserted.data!.id
  t.ok(newId > 100)

  // A bulk insert names its columns; a key missing from one object is NULL, or the column's
  // default with defaultToNull: false (Prefer: missing=default).
  const nulls = await pgstack
    .from('todos')
    .insert([{ title: 'bulk a' }, { title: 'bulk b', done: true }])
  t.equal(nulls.error?.code, '23502')
  const bulk = await pgstack
    .from('todos')
    .insert([{ title: 'bulk a' }, { title: 'bulk b', done: true }], { defaultToNull: false })
    .select('title, done')
  t.same(
    bulk.data?.sort((a, b) => a.title.localeCompare(b.title)),
    [
      { title: 'bulk a', done: false },
      { title: 'bulk b', done: true },
    ],
  )
  const quiet = await pgstack.from('todos').insert({ title: 'no return' })
  t.same([quiet.status, quiet.data, quiet.error], [201, null, null])

  const upserted = await pgstack
    .from('todos')
    .upsert({ title: 'bulk a', done: true }, { onConflict: 'title' })
    .select('title, done')
  t.same(upserted.data, [{ title: 'bulk a', done: true }])
  const ignored = await pgstack
    .from('todos')
    .upsert({ title: 'bulk b', done: false }, { onConflict: 'title', ignoreDuplicates: true })
    .select('title')
  t.same(ignored.data, [])

  const updated = await pgstack
    .from('todos')
    .update({ done: true })
    .eq('id', newId)
    .select('id, done')
  t.same(updated.data, [{ id: newId, done: true }])
  const countUpdated = await pgstack
    .from('todos')
    .update({ labels: ['y'] }, { count: 'exact' })
    .like('title', 'bulk%')
  t.equal(countUpdated.count, 2)

  const deleted = await pgstack
    .from('todos')
    .delete()
    .in('title', ['bulk a', 'bulk b', 'no return', 'new one'])
    .select('title')
  t.same(deleted.data?.map((r) => r.title).sort(), ['bulk a', 'bulk b', 'new one', 'no return'])
  const left = await stack.sql<{ n: string }>('SELECT count(*) AS n FROM todos')
  t.equal(left[0]!.n, '4')
})

t.test("errors carry PostgREST's { code, message, details, hint }", async (t) => {
  const duplicate = await pgstack.from('todos').insert({ title: 'buy milk' }).select()
  t.equal(duplicate.status, 409)
  t.equal(duplicate.error?.code, '23505')
  t.type(duplicate.error?.message, 'string')
  t.ok(
    'details' in duplicate.error! && 'hint' in duplicate.error!,
    'details and hint are present (string or null)',
  )

  const missing = await pgstack.from('nope' as 'todos').select('*')
  t.equal(missing.status, 404)
  t.equal(missing.error?.code, 'PGRST205')
  const badColumn = await pgstack.from('todos').select('nope')
  t.equal(badColumn.status, 400)
  t.equal(badColumn.error?.code, '42703')

  const rls = await pgstack
    .from('todos')
    .insert({ title: 'not mine', owner: '00000000-0000-0000-0000-000000000001' })
    .select()
  t.equal(rls.error?.code, '42501', 'the row policy refuses an owner that is not the caller')

  await t.rejects(
    async () => await pgstack.from('todos').select('nope').throwOnError(),
    { code: '42703' },
    'throwOnError rejects',
  )
})

t.test('rpc: scalar, set-returning with filters, GET, count and head', async (t) => {
  const sum = await pgstack.rpc('add_numbers', { a: 2, b: 3 })
  t.same([sum.status, sum.data], [200, 5])
  const viaGet = await pgstack.rpc('add_numbers', { a: 4, b: 5 }, { get: true })
  t.equal(viaGet.data, 9)
  const rows = await pgstack
    .rpc('todos_by_done', { d: false })
    .select('id')
    .gt('id', 1)
    .order('id', { ascending: false })
  t.same(ids(rows.data), [4, 3])
  const counted = await pgstack.rpc('todos_by_done', { d: false }, { count: 'exact', head: true })
  t.equal(counted.count, 3)
  const missing = await pgstack.rpc('nope' as 'add_numbers', { a: 1, b: 1 })
  t.equal(missing.error?.code, 'PGRST202')
})
