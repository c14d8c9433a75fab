// Resource embedding: many-to-one, one-to-many, one-to-one, many-to-many, !inner, hints, aliases,
// spreads, and filters/order/limit on embedded resources.
import t from 'tap'
import { startRestTest, type RestTest } from './helpers.ts'

let api: RestTest
t.before(async () => {
  api = await startRestTest(t)
})

t.test('embedding shapes', async (t) => {
  const db = api.client()
  const m2o = await db.from('books').select('title, author:authors!author_id(name)').eq('id', 3).single()
  t.same(m2o.data, { title: 'Guards! Guards!', author: { name: 'Terry' } })
  const viaFkName = await db.from('books').select('title, editor:authors!books_editor_id_fkey(name)').eq('id', 3).single()
  t.same(viaFkName.data, { title: 'Guards! Guards!', editor: { name: 'Ursula' } })
  const nullM2o = await db.from('books').select('id, editor:authors!editor_id(name)').eq('id', 2).single()
  t.same(nullM2o.data, { id: 2, editor: null })
  const o2m = await db.from('authors').select('name, books!author_id(id)').eq('id', 2).single()
  t.same(o2m.data, { name: 'Terry', books: [{ id: 3 }, { id: 5 }] })
  const empty = await db.from('authors').select('name, edited:books!editor_id(id)').eq('id', 3).single()
  t.same(empty.data, { name: 'Iain', edited: [] })
  const o2o = await db.from('authors').select('name, profiles(bio)').eq('id', 1).single()
  t.same(o2o.data, { name: 'Ursula', profiles: { bio: 'Earthsea' } }, 'one-to-one is an object')
  const m2m = await db.from('books').select('id, genres(name)').eq('id', 3).single()
  t.same(m2m.data, { id: 3, genres: [{ name: 'fantasy' }, { name: 'humour' }] })
  const back = await db.from('genres').select('name, books(id)').eq('name', 'humour').single()
  t.same(back.data, { name: 'humour', books: [{ id: 3 }, { id: 5 }] })
  const nested = await db.from('authors').select('name, books!author_id(title, genres(name))').eq('id', 3).single()
  t.same(nested.data, { name: 'Iain', books: [{ title: 'Consider Phlebas', genres: [{ name: 'scifi' }] }] })
})

t.test('spread, inner, filters, order and limit on embeds', async (t) => {
  const db = api.client()
  const spread = await db.from('books').select('title, ...authors!author_id(author_name:name)').eq('id', 1).single()
  t.same(spread.data, { title: 'A Wizard of Earthsea', author_name: 'Ursula' })
  const inner = await db.from('books').select('id, authors!editor_id!inner(name)').order('id')
  t.same(inner.data, [{ id: 1, authors: { name: 'Terry' } }, { id: 3, authors: { name: 'Ursula' } }])
  const filtered = await db.from('authors').select('id, books!author_id!inner(id)').eq('books.year', 1987).order('id')
  t.same(filtered.data, [{ id: 2, books: [{ id: 5 }] }, { id: 3, books: [{ id: 4 }] }])
  const ordered = await db.from('authors').select('id, books!author_id(id)').eq('id', 1).order('id', { referencedTable: 'books', ascending: false }).limit(1, { referencedTable: 'books' }).single()
  t.same(ordered.data, { id: 1, books: [{ id: 2 }] })
  const leftFiltered = await db.from('authors').select('id, books!author_id(id)').eq('books.year', 1968).order('id')
  t.same(leftFiltered.data, [{ id: 1, books: [{ id: 1 }] }, { id: 2, books: [] }, { id: 3, books: [] }])
  const notNull = await api.fetch('/books?select=id,editor:authors!editor_id(name)&editor=not.is.null&order=id')
  t.same((await notNull.json()).map((r: { id: number }) => r.id), [1, 3])
  const isNull = await api.fetch('/books?select=id,editor:authors!editor_id(name)&editor=is.null&order=id')
  t.same((await isNull.json()).map((r: { id: number }) => r.id), [2, 4, 5])
  const related = await api.fetch('/books?select=id,author:authors!author_id(name)&order=author(name).desc,id')
  t.same((await related.json()).map((r: { id: number }) => r.id), [1, 2, 3, 5, 4])
  const orFilter = await db.from('authors').select('id, books!author_id(id)').or('year.eq.1968,year.eq.1989', { referencedTable: 'books' }).order('id')
  t.same(orFilter.data, [{ id: 1, books: [{ id: 1 }] }, { id: 2, books: [{ id: 3 }] }, { id: 3, books: [] }])
  const bad = await api.fetch('/books?select=id,authors!editor_id(name)&authors=eq.1')
  t.equal((await bad.json()).code, 'PGRST120')
  const badSpread = await api.fetch('/authors?select=...books!author_id(id)')
  t.equal((await badSpread.json()).code, 'PGRST119')
  const view = await db.from('book_titles').select('title').eq('id', 4).single()
  t.same(view.data, { title: 'Consider Phlebas' })
})
