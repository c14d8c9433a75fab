// A hand-built schema cache for the plan and SQL unit tables (no database needed).
import { indexForeignKeys, tableKey, type ForeignKey, type SchemaCache, type Table } from '../schema-cache.ts'

export function table(name: string, columns: string[], primaryKey: string[], uniqueKeys: string[][] = []): Table {
  const cols = columns.map((c) => ({ name: c, type: 'integer', nullable: true, defaultExpr: null, generated: false, identity: false, description: null, enumValues: null }))
  const keys = primaryKey.length ? [primaryKey, ...uniqueKeys] : uniqueKeys
  return {
    oid: 0, schema: 'public', name, kind: 'table', columns: cols, columnMap: new Map(cols.map((c) => [c.name, c])),
    primaryKey, uniqueKeys: keys, description: null, catalogKeys: { primaryKey, uniqueKeys: keys }, indexOids: [],
  }
}

const fk = (name: string, from: string, columns: string[], to: string, refColumns: string[]): ForeignKey => ({
  name, schema: 'public', table: from, columns, refSchema: 'public', refTable: to, refColumns,
})

export function testCache(): SchemaCache {
  const tables = [
    table('authors', ['id', 'name'], ['id']),
    table('books', ['id', 'title', 'author_id', 'editor_id'], ['id']),
    table('genres', ['id', 'name'], ['id']),
    table('book_genres', ['book_id', 'genre_id'], ['book_id', 'genre_id']),
    table('profiles', ['author_id', 'bio'], ['author_id']),
    table('we"ird', ['i"d'], ['i"d']),
  ]
  const foreignKeys = [
      fk('books_author_id_fkey', 'books', ['author_id'], 'authors', ['id']),
      fk('books_editor_id_fkey', 'books', ['editor_id'], 'authors', ['id']),
      fk('book_genres_book_id_fkey', 'book_genres', ['book_id'], 'books', ['id']),
      fk('book_genres_genre_id_fkey', 'book_genres', ['genre_id'], 'genres', ['id']),
      fk('profiles_author_id_fkey', 'profiles', ['author_id'], 'authors', ['id']),
  ]
  return {
    schemas: ['public'],
    tables: new Map(tables.map((t) => [tableKey(t.schema, t.name), t])),
    byOid: new Map(),
    indexOwner: new Map(),
    viewDeps: [],
    catalogForeignKeys: foreignKeys,
    foreignKeys,
    foreignKeysByTable: indexForeignKeys(foreignKeys),
    routines: new Map(),
    timezones: new Set(['UTC', 'America/Los_Angeles']),
    loadedAt: 0,
  }
}
