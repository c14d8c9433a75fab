// Schema cache reloads (automatically after DDL through the event trigger, and on NOTIFY),
// the OpenAPI root, profiles, and a property-based fuzz of the query string: never a 500.
import fc from 'fast-check'
import pg from 'pg'
import t from 'tap'
import { applySchemaChanges, loadSchemaCache, tableKey } from '../src/schema-cache.ts'
import { TABLES_SQL } from '../src/schema-queries.ts'
import { startRestTest, type RestTest } from './helpers.ts'

let api: RestTest
t.before(async () => {
  api = await startRestTest(t)
})

async function eventually(check: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return true
    await new Promise((r) => setTimeout(r, 50))
  }
  return false
}

t.test('DDL reloads the schema cache without being asked', async (t) => {
  t.equal((await api.fetch('/fresh')).status, 404)
  await api.admin('CREATE TABLE public.fresh (id int PRIMARY KEY, label text); INSERT INTO public.fresh VALUES (1, \'one\')')
  t.ok(await eventually(async () => (await api.fetch('/fresh')).status === 200), 'new table served')
  const res = await api.fetch('/fresh?select=label')
  t.same(await res.json(), [{ label: 'one' }])
  await api.admin('ALTER TABLE public.fresh ADD COLUMN extra int DEFAULT 7')
  t.ok(await eventually(async () => (await api.fetch('/fresh?select=extra')).status === 200), 'new column served')
  await api.admin('DROP TABLE public.fresh')
  t.ok(await eventually(async () => (await api.fetch('/fresh')).status === 404), 'dropped table gone')
})

t.test('incremental reloads: renames, foreign keys, unique indexes, functions and drops are all seen', async (t) => {
  await api.admin('CREATE TABLE public.shelf (id int PRIMARY KEY, label text); CREATE TABLE public.tome (id int PRIMARY KEY, shelf int, title text)')
  await api.admin("INSERT INTO public.shelf VALUES (1, 'A'); INSERT INTO public.tome VALUES (1, 1, 'Dune')")
  t.ok(await eventually(async () => (await api.fetch('/tome')).status === 200))
  t.equal((await api.fetch('/tome?select=title,shelf(label)')).status, 400, 'no foreign key yet: no embed')
  await api.admin('ALTER TABLE public.tome ADD FOREIGN KEY (shelf) REFERENCES public.shelf(id)')
  t.ok(await eventually(async () => (await api.fetch('/tome?select=title,shelf(label)')).status === 200), 'a foreign key added later is embeddable')
  await api.admin('ALTER TABLE public.shelf RENAME TO bookcase')
  t.ok(await eventually(async () => (await api.fetch('/bookcase?select=label,tome(title)')).status === 200), 'a renamed table keeps its relationships')
  t.equal((await api.fetch('/shelf')).status, 404, 'the old name is gone')
  const one = await api.fetch('/bookcase?select=label,tome(title)')
  t.same(await one.json(), [{ label: 'A', tome: [{ title: 'Dune' }] }])
  await api.admin('CREATE TABLE public.note2 (id int PRIMARY KEY, tome_id int REFERENCES public.tome(id), body text)')
  await api.admin('CREATE UNIQUE INDEX note2_tome ON public.note2 (tome_id)')
  t.ok(await eventually(async () => {
    const res = await api.fetch('/tome?select=title,note2(body)')
    return res.status === 200 && JSON.stringify(await res.json()) === '[{"title":"Dune","note2":null}]'
  }), 'a unique index makes the embed one-to-one')
  await api.admin('DROP INDEX public.note2_tome')
  t.ok(await eventually(async () => {
    const res = await api.fetch('/tome?select=title,note2(body)')
    return res.status === 200 && JSON.stringify(await res.json()) === '[{"title":"Dune","note2":[]}]'
  }), 'dropping the unique index makes it one-to-many again')
  await api.admin("CREATE FUNCTION public.shout(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$SELECT upper(t)$$")
  t.ok(await eventually(async () => (await api.fetch('/rpc/shout?t=hi')).status === 200), 'a new function is callable')
  await api.admin('DROP TABLE public.note2; DROP TABLE public.tome; DROP TABLE public.bookcase; DROP FUNCTION public.shout(text)')
  t.ok(await eventually(async () => (await api.fetch('/tome')).status === 404 && (await api.fetch('/rpc/shout?t=x')).status === 404), 'drops are seen')
})

t.test('temporary tables do not reload the cache (regression: no NOTIFY per call)', async (t) => {
  const listener = new pg.Client({ connectionString: api.db.adminUrl })
  await listener.connect()
  const seen: string[] = []
  listener.on('notification', (n) => seen.push(n.payload ?? ''))
  await listener.query('LISTEN pgrst')
  await api.admin('CREATE TEMP TABLE scratch (id int); DROP TABLE scratch')
  await new Promise((r) => setTimeout(r, 300))
  t.same(seen, [], 'no notification for temporary objects')
  await api.admin('CREATE TABLE public.real_one (id int)')
  t.ok(await eventually(async () => seen.length > 0), 'a real table notifies')
  await listener.end()
})

t.test('NOTIFY pgrst reloads', async (t) => {
  await api.admin("SET session_replication_role = replica; ALTER EVENT TRIGGER pgstack_rest_ddl_end DISABLE; CREATE TABLE public.quiet (id int); ALTER EVENT TRIGGER pgstack_rest_ddl_end ENABLE")
  await api.admin("NOTIFY pgrst, 'reload schema'")
  t.ok(await eventually(async () => (await api.fetch('/quiet')).status === 200))
})

t.test('a reload reads the catalogs in one snapshot: DDL committing between its reads is seen whole or not at all', async (t) => {
  // A pool whose connection runs `between` right after the tables were read, in another session:
  // the table and the function it creates must both be in the cache or both be missing.
  const pool = new pg.Pool({ connectionString: api.db.adminUrl, max: 1 })
  t.teardown(() => pool.end())
  let between: (() => Promise<void>) | undefined
  const connect = pool.connect.bind(pool)
  pool.connect = (async () => {
    const client = await connect()
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>
    client.query = (async (...args: unknown[]) => {
      const result = await query(...args)
      if (args[0] === TABLES_SQL && between) {
        const run = between
        between = undefined
        await run()
      }
      return result
    }) as typeof client.query
    return client
  }) as typeof pool.connect
  const has = (cache: Awaited<ReturnType<typeof loadSchemaCache>>, name: string) => ({
    table: cache.tables.has(tableKey('public', name)),
    routine: cache.routines.has(tableKey('public', `${name}_fn`)),
  })

  between = async () => void (await api.admin('CREATE TABLE public.snap_a (id int PRIMARY KEY); CREATE FUNCTION public.snap_a_fn() RETURNS int LANGUAGE sql AS $$SELECT 1$$'))
  const full = await loadSchemaCache(pool, ['public'])
  t.same(has(full, 'snap_a'), { table: false, routine: false }, 'full load: the DDL after its first read is not half seen')
  const after = await loadSchemaCache(pool, ['public'], full.timezones)
  t.same(has(after, 'snap_a'), { table: true, routine: true }, 'the next load sees both')

  await api.admin('CREATE TABLE public.snap_b (id int PRIMARY KEY)')
  const snapB = Number((await api.admin("SELECT 'public.snap_b'::regclass::oid AS oid"))[0]!.oid)
  between = async () => void (await api.admin('DROP TABLE public.snap_b; CREATE FUNCTION public.snap_b_fn() RETURNS int LANGUAGE sql AS $$SELECT 2$$'))
  const incremental = await applySchemaChanges(pool, after, { relations: new Set([snapB]), functions: true })
  t.same(has(incremental, 'snap_b'), { table: true, routine: false }, 'incremental load: one snapshot too')
  await api.admin('DROP FUNCTION public.snap_a_fn(); DROP FUNCTION public.snap_b_fn(); DROP TABLE public.snap_a')
})

t.test('OpenAPI at the root', async (t) => {
  const res = await api.fetch('/')
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /application\/openapi\+json/)
  const doc = (await res.json()) as { swagger: string; paths: Record<string, unknown>; definitions: Record<string, { properties: Record<string, unknown> }> }
  t.equal(doc.swagger, '2.0')
  t.ok(doc.paths['/books'] && doc.paths['/rpc/add'])
  t.ok(doc.definitions.books?.properties.title)
})

t.test('CORS', async (t) => {
  const pre = await fetch(`${api.rest}/items`, { method: 'OPTIONS', headers: { Origin: 'http://app.test', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'apikey, prefer' } })
  t.equal(pre.status, 200)
  t.equal(pre.headers.get('access-control-allow-origin'), 'http://app.test')
  t.match(pre.headers.get('access-control-allow-methods'), /PATCH/)
  t.equal(pre.headers.get('access-control-allow-headers'), 'apikey, prefer')
  const get = await api.fetch('/items?limit=1', { headers: { Origin: 'http://app.test' } })
  t.equal(get.headers.get('access-control-allow-origin'), '*')
  t.match(get.headers.get('access-control-expose-headers'), /Content-Range/)
})

t.test('HEAD and OPTIONS', async (t) => {
  const head = await api.fetch('/items?select=id', { method: 'HEAD', headers: { Prefer: 'count=exact' } })
  t.equal(head.status, 200)
  t.equal(head.headers.get('content-range'), '0-99/100')
  t.equal(await head.text(), '')
  const options = await api.fetch('/items', { method: 'OPTIONS' })
  t.equal(options.status, 200)
})

t.test('large results stream and stay correct', async (t) => {
  await api.admin('CREATE TABLE public.big AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 12000) g')
  t.ok(await eventually(async () => (await api.fetch('/big?limit=1')).status === 200))
  const json = (await (await api.fetch('/big?order=id')).json()) as { id: number }[]
  t.equal(json.length, 12000)
  t.equal(json[11999]?.id, 12000)
  const csv = await (await api.fetch('/big?select=id&order=id', { headers: { Accept: 'text/csv' } })).text()
  t.equal(csv.split('\n').length, 12001)
})

t.test('fuzz: no batch produces a 500', async (t) => {
  const op = fc.record({
    method: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'XX'),
    path: fc.constantFrom('/items?id=eq.1', '/items?id=eq.{{0.0.id}}', '/books?select=count()', '/nope', '/rpc/add?a=1&b=2', '/items?select={{x}}', '/items?qty=eq.{{0.0.qty}}'),
    headers: fc.constantFrom({}, { Prefer: 'return=representation' }, { Accept: 'text/csv' }, { Accept: 'application/vnd.pgrst.object+json' }),
    body: fc.oneof(fc.constant(undefined), fc.constant({ id: 7777, name: 'fuzz' }), fc.constant({ qty: '{{0.0.qty}}' }), fc.jsonValue({ maxDepth: 2 })),
  })
  let requests = 0
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 3 }), async (ops) => {
      requests++
      const res = await api.fetch('/', { method: 'POST', headers: { 'Content-Type': 'application/json', Prefer: 'tx=rollback' }, body: JSON.stringify({ operations: ops }) })
      const text = await res.text()
      if (res.status >= 500) throw new Error(`${JSON.stringify(ops)} → ${res.status} ${text}`)
      if (res.status >= 400) {
        const body = JSON.parse(text) as Record<string, unknown>
        if (!('code' in body && 'message' in body && 'details' in body && 'hint' in body)) throw new Error(`bad error shape ${text}`)
      }
    }),
    { numRuns: 80 },
  )
  t.ok(requests >= 80, `${requests} random batches, none a 500`)
})

t.test('fuzz: no query string produces a 500', async (t) => {
  const word = fc.constantFrom('id', 'name', 'qty', 'during', 'nope', 'books', 'authors', 'meta', '"q"', 'a b', '')
  const op = fc.constantFrom('eq', 'neq', 'gt', 'like', 'ilike', 'in', 'is', 'cs', 'ov', 'fts', 'sl', 'adj', 'isdistinct', 'match', 'xx', 'not.eq', 'eq(any)', 'like(all)', 'fts(english)')
  const value = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('null', '(1,2)', '{1,2}', '[1,5)', '"a,b"', '()', '(', ')', '\\', "'", '%', '*', '1'))
  const filter = fc.tuple(word, op, value).map(([w, o, v]) => `${encodeURIComponent(w)}=${encodeURIComponent(`${o}.${v}`)}`)
  const special = fc.oneof(
    fc.string({ maxLength: 30 }).map((s) => `select=${encodeURIComponent(s)}`),
    fc.string({ maxLength: 30 }).map((s) => `order=${encodeURIComponent(s)}`),
    fc.string({ maxLength: 30 }).map((s) => `or=${encodeURIComponent(s)}`),
    fc.tuple(word, fc.string({ maxLength: 20 })).map(([w, s]) => `${encodeURIComponent(w)}=${encodeURIComponent(s)}`),
    fc.string({ maxLength: 10 }).map((s) => `limit=${encodeURIComponent(s)}`),
    fc.constantFrom('select=*,books(*)', 'select=id,authors!inner(*)', 'books.id=eq.1', 'select=...authors(*)', 'or=(id.eq.1,and(id.gt.0))', 'select=meta->a->>b',
      'select=count()', 'select=author_id,n:count()', 'select=price.sum()::text,year', 'select=id,books!author_id(year)&order=books(year).desc', 'select=id,authors!author_id(name)&or=(authors.name.eq.x,id.eq.1)', 'select=qty.avg(),name&order=qty', 'select=...authors!author_id(id.sum())'),
  )
  const query = fc.array(fc.oneof(filter, special), { maxLength: 4 }).map((parts) => parts.join('&'))
  const table = fc.constantFrom('items', 'books', 'authors', 'rpc/add', 'rpc/books_after', 'nope')
  let requests = 0
  await fc.assert(
    fc.asyncProperty(table, query, fc.constantFrom('GET', 'DELETE', 'PATCH'), async (tbl, q, method) => {
      requests++
      const init: RequestInit = { method, headers: { 'Content-Type': 'application/json', Prefer: 'tx=rollback' } }
      if (method === 'PATCH') init.body = '{"name":"fuzz"}'
      const res = await api.fetch(`/${tbl}?${q}`, init)
      const text = await res.text()
      if (res.status >= 500) throw new Error(`${method} /${tbl}?${q} → ${res.status} ${text}`)
      if (res.status >= 400) {
        const body = JSON.parse(text) as Record<string, unknown>
        if (!('code' in body && 'message' in body && 'details' in body && 'hint' in body)) throw new Error(`bad error shape ${text}`)
      }
    }),
    { numRuns: 200 },
  )
  t.ok(requests >= 200, `${requests} random requests, none a 500`)
})
