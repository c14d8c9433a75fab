// pgstack gen types against a real schema: enums, composites, arrays, identity and generated
// columns, one-to-one and one-to-many foreign keys, a view, functions (set, scalar, table) and a
// named live query — then a sample app that uses @pgstack/sdk's and supabase-js's
// createClient<Database>() compiles with tsc, and the same app with a wrong column name does not.
import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { createTestDatabase } from '@pgstack/infra/testing'
import { pgstack } from './pgstack-process.ts'

const root = join(import.meta.dirname, '..', '..')
const db = await createTestDatabase(t)
const work = mkdtempSync(join(tmpdir(), 'pgstack-gen-types-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))

const admin = new pg.Client({ connectionString: db.adminUrl })
await admin.connect()
await admin.query(`
  create type mood as enum ('happy', 'sad', 'ok');
  create type address as (street text, zip int);
  create table authors (
    id bigint generated always as identity primary key, name text not null, mood mood,
    tags text[] not null default '{}', meta jsonb, home address,
    name_length int generated always as (length(name)) stored);
  create table books (
    id serial primary key, author_id bigint not null references authors, title text not null,
    price numeric(10, 2), published date, isbn text unique);
  create table book_details (book_id int primary key references books, notes text);
  create view cheap_books as select id, title, price from books where price < 10;
  create function books_by(author bigint, lim int default 10) returns setof books
    language sql stable as $$ select * from books where author_id = author limit lim $$;
  create function count_books() returns int language sql as $$ select count(*)::int from books $$;
  create function search(q text) returns table (id int, title text)
    language sql as $$ select id, title from books where title ilike q $$;
  select pgr.define('cheap', 'select id, title, price from books where price < $1 order by id', '{numeric}');
`)
await admin.end()

const types = join(work, 'database.types.ts')
const generated = await pgstack(['gen', 'types', '--db-url', db.adminUrl, '--out', types], { cwd: work })

t.test('the generated file has Supabase’s shape', async (t) => {
  t.equal(generated.code, 0, `exit 0`, { stdout: generated.stdout, stderr: generated.stderr })
  const text = readFileSync(types, 'utf8')
  t.match(text, /mood: "happy" \| "sad" \| "ok"/)
  t.match(text, /address: \{\n\s+street: string \| null\n\s+zip: number \| null/)
  t.match(text, /home: Database\["public"\]\["CompositeTypes"\]\["address"\] \| null/)
  t.match(text, /tags: string\[\]\n/)
  t.match(text, /name_length\?: never/, 'a generated column is never written')
  t.match(text, /id\?: never/, 'nor an identity column generated always')
  t.match(text, /foreignKeyName: "book_details_book_id_fkey"\n\s+columns: \["book_id"\]\n\s+isOneToOne: true\n\s+referencedRelation: "books"/)
  t.match(text, /foreignKeyName: "books_author_id_fkey"\n\s+columns: \["author_id"\]\n\s+isOneToOne: false/)
  t.match(text, /books_by: \{\n\s+Args: \{\n\s+author: number\n\s+lim\?: number/)
  t.match(text, /count_books: \{\n\s+Args: Record<PropertyKey, never>\n\s+Returns: number/)
  t.match(text, /cheap: \{\n\s+Params: \[number \| null\]\n\s+Row: \{\n\s+id: number\n\s+title: string\n\s+price: number \| null/)
  const toStdout = await pgstack(['gen', 'types', '--db-url', db.adminUrl, '--schema', 'public'], { cwd: work })
  t.equal(toStdout.stdout, text, 'stdout without --out')
  const missing = await pgstack(['gen', 'types', '--db-url', db.adminUrl, '--schema', 'nope'], { cwd: work })
  t.equal(missing.code, 1)
  t.match(missing.stderr, /^pgstack gen types: no schema "nope" in the database from --db-url: check --schema\n$/)
})

const app = `
import { createClient } from '@pgstack/sdk'
import { createClient as createSupabase } from '@supabase/supabase-js'
import type { CompositeTypes, Database, Enums, LiveQueryRow, Tables, TablesInsert } from './database.types.ts'

const pgstack = createClient<Database>('http://127.0.0.1:8080', 'anon')
const supabase = createSupabase<Database>('http://127.0.0.1:8080', 'anon')

export async function main() {
  const authors = await pgstack.from('authors').select('id, name, mood, books(title, price)').eq('mood', 'happy')
  const name: string | undefined = authors.data?.[0]?.name
  const mood: Enums<'mood'> | null | undefined = authors.data?.[0]?.mood
  const titles: string[] | undefined = authors.data?.[0]?.books.map((book) => book.title)
  const book = await supabase.from('books').select('title, authors(name)').single()
  const author: string | undefined = book.data?.authors.name
  const insert: TablesInsert<'books'> = { author_id: 1, title: 'Emma' }
  await pgstack.from('books').insert(insert)
  const byAuthor = await supabase.rpc('books_by', { author: 1 })
  const first: Tables<'books'> | undefined = byAuthor.data?.[0]
  const count = await pgstack.rpc('count_books')
  const n: number | null = count.data
  const cheap = await supabase.from('cheap_books').select('title')
  const home: CompositeTypes<'address'> = { street: 'Main', zip: 1 }
  const live: LiveQueryRow<'cheap'> = { id: 1, title: 'Emma', price: 9.5 }
  return { name, mood, titles, author, first, n, cheap, home, live }
}
`

async function compile(source: string): Promise<{ code: number; output: string }> {
  const dir = mkdtempSync(join(work, 'app-'))
  writeFileSync(join(dir, 'app.ts'), source)
  writeFileSync(join(dir, 'database.types.ts'), readFileSync(types))
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', strict: true, noEmit: true, allowImportingTsExtensions: true,
        skipLibCheck: true, types: [],
        paths: { '@pgstack/sdk': [join(root, 'sdk', 'src', 'index.ts')], '@supabase/supabase-js': [join(root, 'node_modules', '@supabase', 'supabase-js')] },
      },
      files: ['app.ts'],
    }),
  )
  try {
    await promisify(execFile)(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { encoding: 'utf8' })
    return { code: 0, output: '' }
  } catch (error) {
    const e = error as { code: number; stdout: string }
    return { code: e.code, output: e.stdout }
  }
}

t.test('a sample app against the types compiles with tsc, with both clients', async (t) => {
  const result = await compile(app)
  t.equal(result.code, 0, result.output)
})

t.test('a wrong column name does not compile', async (t) => {
  const filter = await compile(app.replace(".eq('mood', 'happy')", ".eq('moood', 'happy')"))
  t.not(filter.code, 0)
  t.match(filter.output, /app\.ts\(\d+,\d+\): error TS\d+: .*"moood"/)
  const insert = await compile(app.replace("{ author_id: 1, title: 'Emma' }", "{ author_id: 1, titel: 'Emma' }"))
  t.not(insert.code, 0)
  t.match(insert.output, /error TS2561: Object literal may only specify known properties, but 'titel' does not exist/)
  const read = await compile(app.replace('book.data?.authors.name', 'book.data?.authors.nmae'))
  t.not(read.code, 0)
  t.match(read.output, /Property 'nmae' does not exist/)
})
