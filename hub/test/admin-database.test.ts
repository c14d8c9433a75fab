import t from 'tap'
import { startAdminHub } from './admin-fixture.ts'

const SCHEMA = `
CREATE TABLE public.todos (id bigint PRIMARY KEY, title text NOT NULL, owner uuid);
INSERT INTO public.todos VALUES (1, 'milk', NULL), (2, 'thé', NULL), (9007199254740993, 'big', NULL);
CREATE TABLE public.notes (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, todo_id bigint REFERENCES public.todos ON DELETE CASCADE,
  slug text UNIQUE, body text DEFAULT 'empty', created timestamptz NOT NULL DEFAULT now());
COMMENT ON COLUMN public.notes.body IS 'free text';
ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY mine ON public.notes FOR SELECT TO authenticated USING (slug = current_setting('request.jwt.claims', true));
CREATE TABLE public.locked (id int PRIMARY KEY);
ALTER TABLE public.locked ENABLE ROW LEVEL SECURITY;
CREATE TABLE public.members (id int PRIMARY KEY);
REVOKE ALL ON public.members FROM anon;
CREATE VIEW public.todo_titles AS SELECT id, title FROM public.todos;
CREATE VIEW public.safe_titles WITH (security_invoker = true) AS SELECT id, title FROM public.todos;
CREATE SCHEMA internal;
CREATE TABLE internal.stuff (id int);
GRANT USAGE ON SCHEMA internal TO anon, service_role;
GRANT ALL ON internal.stuff TO anon, service_role;
`

t.test('tables list row counts, RLS and policies, and warn on exposed tables anon reaches without RLS', async (t) => {
  const hub = await startAdminHub(t)
  await hub.sql(SCHEMA)
  const res = await hub.admin('GET', '/tables', hub.serviceKey)
  t.equal(res.status, 200)
  t.same(res.body.exposed_schemas, ['public'])
  const by = (name: string) => res.body.tables.find((x: { name: string }) => x.name === name)
  const codes = (name: string) => by(name).warnings.map((w: { code: string }) => w.code)

  t.match(by('todos'), { schema: 'public', kind: 'table', rows: '3', rows_exact: true, rls_enabled: false, exposed: true })
  t.same(by('todos').privileges.anon, ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], 'the default privileges gave anon everything')
  t.same(codes('todos'), ['anon_without_rls'])
  t.match(by('todos').warnings[0], { severity: 'error', message: 'anon can read and write public.todos: row level security is off' })
  t.match(by('notes'), { rls_enabled: true, policies: 1, rows: '0' })
  t.same(codes('notes'), [], 'RLS on with a policy: no warning')
  t.same(codes('locked'), ['rls_without_policies'])
  t.same(codes('members'), ['authenticated_without_rls'], 'anon revoked, but every signed-in user still reaches it')
  t.match(by('todo_titles'), { kind: 'view', rows: null })
  t.same(codes('todo_titles'), ['view_bypasses_rls'])
  t.same(codes('safe_titles'), [], 'a security_invoker view obeys the policies')
  t.match(by('stuff'), { schema: 'internal', exposed: false, warnings: [] }, 'a schema /rest/v1 does not expose: no warning')
  t.notOk(res.body.tables.some((x: { schema: string }) => ['auth', 'pgr', 'pgstack', 'pg_catalog', 'information_schema'].includes(x.schema)), "the system's schemas only when asked")
  const names = res.body.tables.map((x: { schema: string; name: string }) => `${x.schema}.${x.name}`)
  t.same(names, [...names].sort(), 'in schema and name order')

  const auth = await hub.admin('GET', '/tables?schema=auth', hub.serviceKey)
  t.ok(auth.body.tables.some((x: { name: string }) => x.name === 'users'), 'auth when asked')
  t.ok(auth.body.tables.every((x: { schema: string }) => x.schema === 'auth'))
  const exposedOnly = await hub.admin('GET', '/tables?exposed=true', hub.serviceKey)
  t.ok(exposedOnly.body.tables.every((x: { exposed: boolean }) => x.exposed))

  // fixing it clears the warning
  await hub.sql('ALTER TABLE public.todos ENABLE ROW LEVEL SECURITY')
  const fixed = await hub.admin('GET', '/tables', hub.serviceKey)
  t.same(fixed.body.tables.find((x: { name: string }) => x.name === 'todos').warnings.map((w: { code: string }) => w.code), ['rls_without_policies'])
})

t.test('a table in detail: columns, keys, foreign keys both ways, indexes, policies; a view its definition', async (t) => {
  const hub = await startAdminHub(t)
  await hub.sql(SCHEMA)
  const notes = await hub.admin('GET', '/tables/public/notes', hub.serviceKey)
  t.equal(notes.status, 200)
  t.same(notes.body.primary_key, ['id'])
  const col = (name: string) => notes.body.columns.find((c: { name: string }) => c.name === name)
  t.match(col('id'), { type: 'integer', nullable: false, identity: 'always', primary_key: true })
  t.match(col('body'), { type: 'text', nullable: true, default: "'empty'::text", comment: 'free text', primary_key: false })
  t.match(col('created'), { type: 'timestamp with time zone', nullable: false, default: 'now()' })
  t.same(notes.body.columns.map((c: { name: string }) => c.name), ['id', 'todo_id', 'slug', 'body', 'created'], 'in table order')
  t.same(notes.body.unique, [{ name: 'notes_slug_key', columns: ['slug'] }])
  t.same(notes.body.foreign_keys, [
    { name: 'notes_todo_id_fkey', columns: ['todo_id'], references: { schema: 'public', table: 'todos', columns: ['id'] }, on_update: 'NO ACTION', on_delete: 'CASCADE' },
  ])
  t.match(notes.body.policies, [{ name: 'mine', command: 'SELECT', permissive: true, roles: ['authenticated'], with_check: null }])
  t.match(notes.body.policies[0].using, /current_setting/)
  t.same(notes.body.indexes.map((i: { name: string }) => i.name).sort(), ['notes_pkey', 'notes_slug_key'])

  const todos = await hub.admin('GET', '/tables/public/todos', hub.serviceKey)
  t.same(todos.body.referenced_by, [{ name: 'notes_todo_id_fkey', schema: 'public', table: 'notes', columns: ['todo_id'], references_columns: ['id'] }])
  const view = await hub.admin('GET', '/tables/public/todo_titles', hub.serviceKey)
  t.match(view.body.definition, /SELECT todos\.id,\s+todos\.title\s+FROM todos/)
  const missing = await hub.admin('GET', '/tables/public/nope', hub.serviceKey)
  t.equal(missing.status, 404)
  t.equal(missing.body.code, 'PGSA004')
})

t.test('SQL runs as service_role in one transaction; cells are PostgreSQL text; errors come with line and column', async (t) => {
  const hub = await startAdminHub(t)
  await hub.sql(SCHEMA)
  const ok = await hub.admin('POST', '/sql', hub.serviceKey, {
    query: `select current_user as who, 9007199254740993::bigint as big, 1234567890123456789012.345::numeric(25,3) as n, 'thé ☕'::text as t, null::int as nothing, '{1,2}'::int[] as arr, 'x' as t;
            insert into todos values (10, 'ten', null), (11, 'eleven', null);
            select id from todos order by id`,
  })
  t.equal(ok.status, 200)
  const [first, insert, select] = ok.body.results
  t.same(first.columns, [
    { name: 'who', type: 'name' }, { name: 'big', type: 'bigint' }, { name: 'n', type: 'numeric(25,3)' }, { name: 't', type: 'text' },
    { name: 'nothing', type: 'integer' }, { name: 'arr', type: 'integer[]' }, { name: 't', type: 'text' },
  ], 'duplicate column names are kept')
  t.same(first.rows, [['service_role', '9007199254740993', '1234567890123456789012.345', 'thé ☕', null, '{1,2}', 'x']])
  t.match(insert, { command: 'INSERT', row_count: 2, columns: [], rows: [] })
  t.same(select.rows.map((r: string[]) => r[0]), ['1', '2', '10', '11', '9007199254740993'])
  t.type(ok.body.duration_ms, 'number')

  const capped = await hub.admin('POST', '/sql', hub.serviceKey, { query: 'select g from generate_series(1, 50) g', max_rows: 10 })
  t.match(capped.body.results[0], { row_count: 50, truncated: true })
  t.equal(capped.body.results[0].rows.length, 10)

  const failed = await hub.admin('POST', '/sql', hub.serviceKey, { query: "insert into todos values (20, 'twenty', null);\nselect 'é☕', titel from todos" })
  t.equal(failed.status, 400)
  t.match(failed.body, { code: '42703', message: 'column "titel" does not exist', position: { line: 2, column: 14 } })
  t.same(Object.keys(failed.body).sort(), ['code', 'details', 'hint', 'message', 'position'])
  t.equal(failed.body.position.offset, 61, "PostgreSQL's character offset (☕ is one character)")
  const after = await hub.sql('SELECT count(*)::int AS n FROM todos WHERE id = 20')
  t.equal(after[0]!.n, 0, 'the whole text rolled back')

  const syntax = await hub.admin('POST', '/sql', hub.serviceKey, { query: 'selec 1' })
  t.match(syntax.body, { code: '42601', position: { offset: 1, line: 1, column: 1 } })
  const readOnly = await hub.admin('POST', '/sql', hub.serviceKey, { query: "insert into todos values (21, 'x', null)", read_only: true })
  t.equal(readOnly.body.code, '25006')
  const slow = await hub.admin('POST', '/sql', hub.serviceKey, { query: 'select pg_sleep(5)', timeout_ms: 100 })
  t.match(slow.body, { code: '57014', position: null })
  const noSecrets = await hub.admin('POST', '/sql', hub.serviceKey, { query: 'select * from auth.users' })
  t.equal(noSecrets.body.code, '42501', 'service_role cannot read auth.users')

  const ddl = await hub.admin('POST', '/sql', hub.serviceKey, { query: 'create table public.made_here (id int primary key); select 1' })
  t.equal(ddl.status, 200, 'the editor can create tables in public')
  const made = await hub.admin('GET', '/tables/public/made_here', hub.serviceKey)
  t.same(made.body.privileges.anon, ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], "with the owner's default grants")
  t.same(made.body.warnings.map((w: { code: string }) => w.code), ['anon_without_rls'])

  t.equal((await hub.admin('POST', '/sql', hub.serviceKey, { query: '  ' })).body.code, 'PGSA003')
  t.equal((await hub.admin('POST', '/sql', hub.serviceKey, { query: 'select 1', max_rows: -1 })).body.code, 'PGSA003')
  t.equal((await hub.admin('POST', '/sql', hub.serviceKey, '{not json')).body.code, 'PGSA003')
})

t.test('named live queries: list with SQL and parameters, define, refuse duplicates and bad SQL, drop', async (t) => {
  const hub = await startAdminHub(t)
  await hub.sql(SCHEMA)
  const defined = await hub.admin('POST', '/live-queries', hub.serviceKey, { name: 'todos_titled', sql: 'SELECT id, title FROM todos WHERE title = $1 ORDER BY id', param_types: ['text'] })
  t.equal(defined.status, 201)
  t.match(defined.body, { name: 'todos_titled', param_types: ['text'], key: ['id'], tables: ['todos'], columns: ['id', 'title'], feeds: 0, refresh: null })
  const list = await hub.admin('GET', '/live-queries', hub.serviceKey)
  t.same(list.body.live_queries.map((q: { name: string }) => q.name), ['todos_titled'])
  t.equal((await hub.admin('GET', '/live-queries/todos_titled', hub.serviceKey)).body.sql, 'SELECT id, title FROM todos WHERE title = $1 ORDER BY id')

  const again = await hub.admin('POST', '/live-queries', hub.serviceKey, { name: 'todos_titled', sql: 'SELECT 1 FROM todos' })
  t.equal(again.status, 409)
  t.equal(again.body.code, 'PGSA007')
  const bad = await hub.admin('POST', '/live-queries', hub.serviceKey, { name: 'broken', sql: 'SELECT id FROM todos WHERE' })
  t.equal(bad.status, 400)
  t.equal(bad.body.code, '42601')
  const timed = await hub.admin('POST', '/live-queries', hub.serviceKey, { name: 'clock', sql: 'SELECT now() AS at' })
  t.equal(timed.status, 400)
  t.equal(timed.body.code, '0A000', 'pg_reactive refuses a query that changes without writes')
  t.ok(timed.body.hint, 'with its hint')
  const refreshed = await hub.admin('POST', '/live-queries', hub.serviceKey, { name: 'clock', sql: 'SELECT now() AS at', refresh: '5 seconds' })
  t.equal(refreshed.status, 201)
  t.equal(refreshed.body.refresh, '00:00:05')

  t.equal((await hub.admin('DELETE', '/live-queries/todos_titled', hub.serviceKey)).status, 204)
  t.equal((await hub.admin('DELETE', '/live-queries/todos_titled', hub.serviceKey)).status, 404)
  t.equal((await hub.admin('GET', '/live-queries/todos_titled', hub.serviceKey)).status, 404)
  t.equal((await hub.admin('POST', '/live-queries', hub.serviceKey, { name: 'x', sql: 'select 1', key: 'id' })).body.code, 'PGSA003')
})
