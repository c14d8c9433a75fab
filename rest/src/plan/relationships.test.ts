import t from 'tap'
import { tableKey } from '../schema-cache.ts'
import { findRelationship } from './relationships.ts'
import { testCache } from './test-cache.ts'

const cache = testCache()
const get = (name: string) => cache.tables.get(tableKey('public', name))!

t.test('relationship kinds', async (t) => {
  t.match(findRelationship(cache, get('books'), 'authors', 'author_id'), { kind: 'many-to-one', constraint: 'books_author_id_fkey', pairs: [['author_id', 'id']] })
  t.match(findRelationship(cache, get('books'), 'authors', 'books_editor_id_fkey'), { kind: 'many-to-one', pairs: [['editor_id', 'id']] })
  t.match(findRelationship(cache, get('authors'), 'books', 'author_id'), { kind: 'one-to-many', pairs: [['id', 'author_id']] })
  t.match(findRelationship(cache, get('authors'), 'profiles', undefined), { kind: 'one-to-one' })
  t.match(findRelationship(cache, get('books'), 'genres', undefined), { kind: 'many-to-many', junction: { name: 'book_genres' } })
  t.match(findRelationship(cache, get('genres'), 'books', 'book_genres'), { kind: 'many-to-many' })
  t.match(findRelationship(cache, get('books'), 'author_id', undefined), { kind: 'many-to-one', target: { name: 'authors' } }, 'a foreign-key column names the embed')
})

t.test('no or several relationships', async (t) => {
  t.throws(() => findRelationship(cache, get('books'), 'authors', undefined), {
    code: 'PGRST201', status: 300,
    message: "Could not embed because more than one relationship was found for 'books' and 'authors'",
    hint: "Try changing 'authors' to one of the following: 'authors!books_author_id_fkey', 'authors!books_editor_id_fkey'. Find the desired relationship in the 'details' key.",
  })
  t.throws(() => findRelationship(cache, get('genres'), 'authors', undefined), {
    code: 'PGRST200', status: 400,
    message: "Could not find a relationship between 'genres' and 'authors' in the schema cache",
  })
  t.throws(() => findRelationship(cache, get('books'), 'authors', 'nothing'), { code: 'PGRST200' })
})
