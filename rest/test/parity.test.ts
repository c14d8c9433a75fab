// PostgREST 12 behaviours where /rest/v1 used to differ: Preference-Applied, Content-Range and
// statuses of writes, upsert/PUT statuses, empty embeds, self-referencing hints, arrows on arrays
// and composites, CSV at the edges, GET calls' arguments. Each pins what PostgREST 12 answers.
import t from 'tap'
import { startRestTest, type RestTest } from './helpers.ts'

const EXTRA = `
CREATE TABLE public.people (id int PRIMARY KEY, name text NOT NULL, mentor_id int REFERENCES public.people(id), sponsor_id int REFERENCES public.people(id));
INSERT INTO public.people VALUES (1, 'Ada', NULL, NULL), (2, 'Brian', 1, NULL), (3, 'Chloé', 1, 2), (4, 'Dmitri', 2, 2);
CREATE TYPE public.complex AS (r numeric, i numeric);
CREATE TABLE public.readings (id int PRIMARY KEY, vals int[], grid int[][], z public.complex, label text);
INSERT INTO public.readings VALUES (1, '{10,20,30}', '{{1,2,3},{4,5,6}}', ROW(0.5, 1.5), 'one'), (2, '{11,21,31}', '{{7,8,9},{10,11,12}}', ROW(0.6, -2), 'two');
CREATE TABLE public.events (id int PRIMARY KEY, at timestamptz NOT NULL);
INSERT INTO public.events VALUES (1, '2024-01-15 12:00:00+00');
CREATE TABLE public.langs (name text PRIMARY KEY, rank int);
INSERT INTO public.langs VALUES ('C', 1), ('Java', 2);
CREATE TABLE public.loose (a text, b text);
CREATE FUNCTION public.greet(name text) RETURNS text LANGUAGE sql STABLE AS $$SELECT 'hello ' || name$$;
CREATE FUNCTION public.guc(prefix text, name text) RETURNS text LANGUAGE sql STABLE AS $$SELECT current_setting(prefix, true)::jsonb->>name$$;
CREATE FUNCTION public.plus_one(num int, OUT num_plus_one int) LANGUAGE sql IMMUTABLE AS 'SELECT num + 1';
CREATE FUNCTION public.one_column() RETURNS TABLE (a text) LANGUAGE sql IMMUTABLE AS $$SELECT 'A'$$;
CREATE FUNCTION public.item_range(lo int, hi int) RETURNS SETOF public.items LANGUAGE sql STABLE AS 'SELECT * FROM public.items WHERE id BETWEEN lo AND hi ORDER BY id';
`

let api: RestTest
t.before(async () => {
  api = await startRestTest(t, EXTRA)
})

const json = { 'Content-Type': 'application/json' }

t.test('Preference-Applied lists every applied preference in PostgREST order, on reads too', async (t) => {
  let res = await api.fetch('/items?select=id&id=eq.1', { headers: { Prefer: 'count=exact' } })
  t.equal(res.headers.get('preference-applied'), 'count=exact', 'a read reports count')
  res = await api.fetch('/items?select=id&id=eq.1', { headers: { Prefer: 'handling=lenient, count=planned, tx=commit' } })
  t.equal(res.headers.get('preference-applied'), 'count=planned, tx=commit, handling=lenient', 'fixed order, not the request order')
  res = await api.fetch('/items?select=id&id=eq.1', { headers: { Prefer: 'return=representation, missing=default' } })
  t.equal(res.headers.get('preference-applied'), null, 'a read ignores write preferences')
  res = await api.fetch('/items', {
    method: 'POST',
    headers: { ...json, Prefer: 'tx=rollback, count=exact, return=representation, missing=default, resolution=merge-duplicates' },
    body: '{"id":7001}',
  })
  t.equal(res.headers.get('preference-applied'), 'resolution=merge-duplicates, missing=default, return=representation, count=exact, tx=rollback')
  res = await api.fetch('/loose', { method: 'POST', headers: { ...json, Prefer: 'return=representation, resolution=merge-duplicates' }, body: '{"a":"x"}' })
  t.equal(res.status, 201)
  t.equal(res.headers.get('preference-applied'), 'return=representation', 'no primary key and no on_conflict: the resolution is not applied')
  res = await api.fetch('/items?id=eq.1', { method: 'PATCH', headers: { ...json, Prefer: 'handling=strict, max-affected=5, count=exact, missing=default' }, body: '{"qty":1}' })
  t.equal(res.headers.get('preference-applied'), 'missing=default, count=exact, handling=strict, max-affected=5')
  res = await api.fetch('/items?id=eq.1', { method: 'DELETE', headers: { Prefer: 'handling=lenient, max-affected=5, tx=rollback' } })
  t.equal(res.headers.get('preference-applied'), 'tx=rollback, handling=lenient', 'max-affected only applies under handling=strict')
  res = await api.fetch('/rpc/add?a=1&b=2', { headers: { Prefer: 'count=exact, handling=strict' } })
  t.equal(res.headers.get('preference-applied'), 'count=exact, handling=strict')
  res = await api.fetch('/items?select=id&id=eq.1', { headers: { Prefer: 'count=exact, count=planned' } })
  t.equal(res.headers.get('preference-applied'), 'count=exact', 'the first value of a preference wins')
  res = await api.fetch('/items?select=id&id=eq.1', { headers: { Prefer: 'handling=strict, bogus' } })
  t.equal(res.status, 400)
  t.same(await res.json(), { code: 'PGRST122', message: 'Invalid preferences given with handling=strict', details: 'Invalid preferences: bogus', hint: null })
})

t.test('Prefer: timezone sets the transaction time zone; an unknown one is an invalid preference', async (t) => {
  let res = await api.fetch('/events?select=at', { headers: { Prefer: 'timezone=America/Los_Angeles' } })
  t.same(await res.json(), [{ at: '2024-01-15T04:00:00-08:00' }])
  t.equal(res.headers.get('preference-applied'), 'timezone=America/Los_Angeles')
  res = await api.fetch('/events?select=at', { headers: { Prefer: 'timezone=Mars/Olympus' } })
  t.equal(res.status, 200)
  t.equal(res.headers.get('preference-applied'), null)
  res = await api.fetch('/events?select=at', { headers: { Prefer: 'handling=strict, timezone=Mars/Olympus' } })
  t.equal(res.status, 400)
  t.equal((await res.json()).details, 'Invalid preferences: timezone=Mars/Olympus')
})

t.test('Content-Range on writes: */N and */* forms', async (t) => {
  let res = await api.fetch('/items', { method: 'POST', headers: { ...json, Prefer: 'count=exact' }, body: '[{"id":7101},{"id":7102}]' })
  t.equal(res.headers.get('content-range'), '*/2', 'insert counted')
  res = await api.fetch('/items', { method: 'POST', headers: json, body: '[{"id":7103}]' })
  t.equal(res.headers.get('content-range'), '*/*', 'insert not counted')
  res = await api.fetch('/items?id=in.(7101,7102)', { method: 'PATCH', headers: { ...json, Prefer: 'count=exact' }, body: '{"qty":3}' })
  t.equal(res.headers.get('content-range'), '0-1/2', 'update counted')
  res = await api.fetch('/items?id=in.(7101,7102)', { method: 'PATCH', headers: json, body: '{"qty":3}' })
  t.equal(res.headers.get('content-range'), '0-1/*', 'update not counted')
  res = await api.fetch('/items?id=eq.999999', { method: 'PATCH', headers: { ...json, Prefer: 'count=exact' }, body: '{"qty":3}' })
  t.equal(res.headers.get('content-range'), '*/0', 'update of nothing')
  res = await api.fetch('/items?id=in.(7101,7102,7103)', { method: 'DELETE', headers: { Prefer: 'count=exact' } })
  t.equal(res.headers.get('content-range'), '*/3', 'delete counted')
  res = await api.fetch('/items?id=eq.999999', { method: 'DELETE' })
  t.equal(res.headers.get('content-range'), '*/*', 'delete not counted')
})

t.test('ranges: 416 past the end carries */N; offset=0 and negative offsets are no-ops', async (t) => {
  let res = await api.fetch('/items?select=id&offset=100', { headers: { Prefer: 'count=exact' } })
  t.equal(res.status, 206, 'an offset equal to the total is not past the end (an empty partial page)')
  t.equal(res.headers.get('content-range'), '*/100')
  res = await api.fetch('/items?select=id&offset=101', { headers: { Prefer: 'count=exact' } })
  t.equal(res.status, 416)
  t.equal(res.headers.get('content-range'), '*/100')
  t.same(await res.json(), { code: 'PGRST103', message: 'Requested range not satisfiable', details: 'An offset of 101 was requested, but there are only 100 rows.', hint: null })
  res = await api.fetch('/items?select=id&id=gt.1000&offset=1', { headers: { Prefer: 'count=exact' } })
  t.equal(res.status, 416, 'any offset into nothing')
  t.equal(res.headers.get('content-range'), '*/0')
  res = await api.fetch('/items?select=id&id=lt.4', { headers: { Range: '1-2', Prefer: 'count=exact' } })
  t.equal(res.status, 206)
  t.equal(res.headers.get('content-range'), '1-2/3')
  res = await api.fetch('/items?select=id&id=lt.4&order=id&offset=-4')
  t.same(await res.json(), [{ id: 1 }, { id: 2 }, { id: 3 }], 'a negative offset is ignored')
  t.equal(res.headers.get('content-range'), '0-2/*')
  res = await api.fetch('/items?select=id&limit=0')
  t.same(await res.json(), [])
  t.equal(res.headers.get('content-range'), '*/*')
  res = await api.fetch('/items?select=id&limit=-1')
  t.equal(res.status, 416)
  t.equal((await res.json()).details, 'Limit should be greater than or equal to zero.')
})

t.test('upsert and PUT statuses', async (t) => {
  const post = (body: string, prefer: string) => api.fetch('/langs', { method: 'POST', headers: { ...json, Prefer: prefer }, body })
  let res = await post('[{"name":"C","rank":1},{"name":"Java","rank":3}]', 'return=representation, resolution=merge-duplicates')
  t.equal(res.status, 200, 'a merge that inserted nothing is 200')
  t.same(await res.json(), [{ name: 'C', rank: 1 }, { name: 'Java', rank: 3 }])
  res = await post('[{"name":"Go","rank":4},{"name":"Java","rank":2}]', 'return=representation, resolution=merge-duplicates')
  t.equal(res.status, 201, 'a merge that inserted a row is 201')
  res = await post('[]', 'return=representation, resolution=merge-duplicates')
  t.equal(res.status, 200, 'an empty merge inserted nothing')
  res = await post('[{"name":"Go","rank":9}]', 'return=minimal, resolution=merge-duplicates')
  t.equal(res.status, 200, 'the status does not depend on the representation')
  res = await post('[{"name":"Go","rank":9}]', 'return=representation, resolution=ignore-duplicates')
  t.equal(res.status, 201, 'ignore-duplicates is always 201')
  t.same(await res.json(), [])
  const put = (key: string, body: string, prefer: string) => api.fetch(`/langs?name=eq.${key}`, { method: 'PUT', headers: { ...json, Prefer: prefer }, body })
  res = await put('Rust', '{"name":"Rust","rank":5}', 'return=representation')
  t.equal(res.status, 201, 'a PUT that inserted is 201')
  res = await put('Rust', '{"name":"Rust","rank":6}', 'return=representation')
  t.equal(res.status, 200, 'a PUT that updated is 200')
  t.same(await res.json(), [{ name: 'Rust', rank: 6 }])
  res = await put('Zig', '{"name":"Zig","rank":7}', 'return=minimal')
  t.equal(res.status, 204)
  t.equal(res.headers.get('preference-applied'), 'return=minimal')
  res = await put('Zig', '[{"name":"Zig","rank":8},{"name":"Odin","rank":9}]', 'return=representation')
  t.same(await res.json(), [{ name: 'Zig', rank: 8 }], 'only the body row with the URL key is written')
  res = await put('Odin', '{"name":"Nim","rank":1}', 'return=representation')
  t.equal(res.status, 400)
  t.equal((await res.json()).code, 'PGRST115')
  t.same(await (await api.fetch('/langs?name=in.(Odin,Nim)')).json(), [], 'a mismatched PUT wrote nothing')
})

t.test('an empty embed rel() filters without appearing in the output', async (t) => {
  let res = await api.fetch('/books?select=id,authors!author_id!inner()&authors.name=eq.Terry&order=id')
  t.same(await res.json(), [{ id: 3 }, { id: 5 }])
  res = await api.fetch('/authors?select=name,books!author_id()&books=is.null')
  t.same(await res.json(), [])
  res = await api.fetch('/authors?select=name,profiles()&profiles=is.null')
  t.same(await res.json(), [{ name: 'Iain' }])
  res = await api.fetch('/genres?select=name,books(authors!author_id())&order=id&limit=1')
  t.same(await res.json(), [{ name: 'fantasy' }], 'an embed holding only empty embeds is empty too')
  res = await api.fetch('/genres?select=name,books(title,authors!author_id())&books.order=id&order=id&limit=1')
  t.same(await res.json(), [{ name: 'fantasy', books: [{ title: 'A Wizard of Earthsea' }, { title: 'Guards! Guards!' }, { title: 'Mort' }] }])
})

t.test('self-referencing foreign keys: the column hint picks the one-to-many side', async (t) => {
  let res = await api.fetch('/people?select=name,mentees:people!mentor_id(name)&id=eq.1')
  t.same(await res.json(), [{ name: 'Ada', mentees: [{ name: 'Brian' }, { name: 'Chloé' }] }])
  res = await api.fetch('/people?select=name,mentor_id(name)&id=eq.3')
  t.same(await res.json(), [{ name: 'Chloé', mentor_id: { name: 'Ada' } }], 'the key column as target is the parent')
  res = await api.fetch('/people?select=name,sponsored:people!sponsor_id(name)&id=eq.2')
  t.same(await res.json(), [{ name: 'Brian', sponsored: [{ name: 'Chloé' }, { name: 'Dmitri' }] }])
  res = await api.fetch('/people?select=name,mentor:mentor_id(name,mentor:mentor_id(name))&id=eq.4')
  t.same(await res.json(), [{ name: 'Dmitri', mentor: { name: 'Brian', mentor: { name: 'Ada' } } }])
  res = await api.fetch('/people?select=name,people(name)&id=eq.1')
  t.equal(res.status, 300, 'two one-to-many sides: ambiguous')
  t.equal((await res.json()).code, 'PGRST201')
})

t.test('arrows on array and composite columns', async (t) => {
  let res = await api.fetch('/readings?select=id,first:vals->0,last:vals->>-1,cell:grid->1->2,r:z->r,i:z->>i&order=id')
  t.same(await res.json(), [
    { id: 1, first: 10, last: '30', cell: 6, r: 0.5, i: '1.5' },
    { id: 2, first: 11, last: '31', cell: 12, r: 0.6, i: '-2' },
  ])
  res = await api.fetch('/readings?select=id&vals->1=eq.21')
  t.same(await res.json(), [{ id: 2 }], 'filter on an array item')
  res = await api.fetch('/readings?select=id&z->>i=gt.0')
  t.same(await res.json(), [{ id: 1 }], 'filter on a composite field')
  res = await api.fetch('/readings?select=id&order=z->i.asc')
  t.same(await res.json(), [{ id: 2 }, { id: 1 }], 'order by a composite field')
  res = await api.fetch('/books?select=id,first_tag:tags->0&id=eq.1')
  t.same(await res.json(), [{ id: 1, first_tag: 'fantasy' }])
})

t.test('CSV at the edges', async (t) => {
  let res = await api.fetch('/items?select=id,name&id=gt.100000', { headers: { Accept: 'text/csv' } })
  t.equal(res.status, 200)
  t.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8')
  t.equal(await res.text(), '\n', 'an empty result: an empty header line, as PostgREST')
  res = await api.fetch('/readings?select=label,vals,z&order=id', { headers: { Accept: 'text/csv' } })
  t.equal(await res.text(), 'label,vals,z\none,"{10,20,30}","(0.5,1.5)"\ntwo,"{11,21,31}","(0.6,-2)"')
  res = await api.fetch('/loose?select=a,b', { method: 'POST', headers: { 'Content-Type': 'text/csv', Accept: 'text/csv', Prefer: 'return=representation' }, body: 'a,b\nNULL,"x, y"' })
  t.equal(res.status, 201)
  t.equal(await res.text(), 'a,b\n,"x, y"', 'NULL in, empty field out')
})

t.test('GET calls: a value without an operator is an argument; unknown arguments are PGRST202', async (t) => {
  let res = await api.fetch('/rpc/add?a=1&b=2')
  t.equal(await res.text(), '3')
  res = await api.fetch('/rpc/add?a=1&b=2&c=3')
  t.equal(res.status, 404)
  t.same(await res.json(), {
    code: 'PGRST202',
    message: 'Could not find the function public.add(a, b, c) in the schema cache',
    details: 'Searched for the function public.add with parameters a, b, c, but no matches were found in the schema cache.',
    hint: 'Perhaps you meant to call the function public.add(a, b)',
  })
  res = await api.fetch('/rpc/item_range?lo=1&hi=5&id=gt.3&select=id')
  t.same(await res.json(), [{ id: 4 }, { id: 5 }], 'operator values filter the rows')
  res = await api.fetch('/rpc/greet?name=eq.x')
  t.equal(res.status, 404, 'an operator value is a filter, even on a parameter name')
  res = await api.fetch('/rpc/greet?name=Zoë%20Smith')
  t.same(await res.json(), 'hello Zoë Smith')
  res = await api.fetch('/rpc/add?a=3&b=4', { headers: { Prefer: 'count=exact' } })
  t.equal(res.headers.get('content-range'), '0-0/1', 'a scalar result counts 1')
  res = await api.fetch('/rpc/item_range?lo=2&hi=4&limit=1&offset=1', { headers: { Prefer: 'count=exact' } })
  t.equal(res.status, 206)
  t.equal(res.headers.get('content-range'), '1-1/3')
  res = await api.fetch('/rpc/item_range', { method: 'POST', headers: { ...json, Range: '1-1' }, body: '{"lo":2,"hi":4}' })
  t.equal((await res.json()).length, 3, 'POST calls ignore the Range header')
})

t.test('limited updates and deletes need an order (PGRST109); offset applies; Range does not', async (t) => {
  let res = await api.fetch('/langs?limit=1', { method: 'DELETE' })
  t.equal(res.status, 400)
  t.same(await res.json(), { code: 'PGRST109', message: "A 'limit' was applied without an explicit 'order'", details: null, hint: "Apply an 'order' using unique column(s)" })
  await api.fetch('/langs', { method: 'POST', headers: json, body: '[{"name":"L1","rank":101},{"name":"L2","rank":102},{"name":"L3","rank":103}]' })
  res = await api.fetch('/langs?rank=gt.100&order=rank&limit=1&offset=1', { method: 'PATCH', headers: { ...json, Prefer: 'return=representation' }, body: '{"rank":200}' })
  t.same(await res.json(), [{ name: 'L2', rank: 200 }], 'the second row by rank')
  res = await api.fetch('/langs?rank=gt.100', { method: 'DELETE', headers: { Range: '0-0', Prefer: 'count=exact' } })
  t.equal(res.headers.get('content-range'), '*/3', 'the Range header does not limit a delete')
})

t.test('nulls=stripped answers with the media type it honoured', async (t) => {
  let res = await api.fetch('/books?select=id,editor_id&id=eq.2', { headers: { Accept: 'application/vnd.pgrst.array+json;nulls=stripped' } })
  t.equal(res.headers.get('content-type'), 'application/vnd.pgrst.array+json;nulls=stripped; charset=utf-8')
  t.same(await res.json(), [{ id: 2 }])
  res = await api.fetch('/books?select=id,editor_id&id=eq.2', { headers: { Accept: 'application/vnd.pgrst.object+json;nulls=stripped' } })
  t.equal(res.headers.get('content-type'), 'application/vnd.pgrst.object+json;nulls=stripped; charset=utf-8')
  t.same(await res.json(), { id: 2 })
  res = await api.fetch('/books?select=id,editor_id&id=eq.2', { headers: { Accept: 'application/vnd.pgrst.array+json' } })
  t.equal(res.headers.get('content-type'), 'application/json; charset=utf-8')
  t.same(await res.json(), [{ id: 2, editor_id: null }])
})

t.test('params=single-object: the whole body is the one json argument', async (t) => {
  let res = await api.fetch('/rpc/echo', { method: 'POST', headers: { ...json, Prefer: 'params=single-object' }, body: '{"a":1,"b":[2]}' })
  t.equal(res.status, 200)
  t.same(await res.json(), { a: 1, b: [2] })
  t.equal(res.headers.get('preference-applied'), 'params=single-object')
  res = await api.fetch('/rpc/add', { method: 'POST', headers: { ...json, Prefer: 'params=single-object' }, body: '{"a":1,"b":2}' })
  t.equal(res.status, 404)
  t.same(await res.json(), {
    code: 'PGRST202',
    message: 'Could not find the function public.add in the schema cache',
    details: 'Searched for the function public.add with a single json/jsonb parameter, but no matches were found in the schema cache.',
    hint: null,
  })
})

t.test('logic trees and lists at the edges: whitespace, empty lists, empty trees', async (t) => {
  let res = await api.fetch('/items?select=id&and=( and ( id.in.( 1, 2, 3 ) , id.eq.3 ) , or ( id.eq.2 , id.eq.3 ) )')
  t.same(await res.json(), [{ id: 3 }])
  res = await api.fetch('/items?select=id&id=in.(%20%20%20)')
  t.same(await res.json(), [], 'an empty list, spaces and all, matches nothing')
  res = await api.fetch('/items?select=id&id=not.in.()&id=lt.3&order=id')
  t.same(await res.json(), [{ id: 1 }, { id: 2 }])
  res = await api.fetch('/items?or=()')
  t.equal(res.status, 400)
  t.same(await res.json(), {
    code: 'PGRST100',
    message: '"failed to parse logic tree (())" (line 1, column 4)',
    details: 'unexpected ")" expecting field name (* or [a..z0..9_$]), negation operator (not) or logic operator (and, or)',
    hint: null,
  })
})

t.test("parse errors read as PostgREST's", async (t) => {
  let res = await api.fetch('/items?order=id.asc.nullslasttt')
  t.same(await res.json(), { code: 'PGRST100', message: '"failed to parse order (id.asc.nullslasttt)" (line 1, column 17)', details: 'unexpected \'t\' expecting "," or end of input', hint: null })
  res = await api.fetch('/items?columns=', { method: 'POST', headers: json, body: '[{"id":1}]' })
  t.same(await res.json(), { code: 'PGRST100', message: '"failed to parse columns parameter ()" (line 1, column 1)', details: 'unexpected end of input expecting field name (* or [a..z0..9_$])', hint: null })
  res = await api.fetch('/items?id=0')
  t.same(await res.json(), { code: 'PGRST100', message: '"failed to parse filter (0)" (line 1, column 1)', details: 'unexpected "0" expecting "not" or operator (eq, gt, ...)', hint: null })
})

t.test('PATCH with columns= and missing=default sets the absent columns to their defaults', async (t) => {
  await api.fetch('/items', { method: 'POST', headers: json, body: '{"id":7301,"name":"seven","qty":9}' })
  let res = await api.fetch('/items?id=eq.7301&columns=name,qty', { method: 'PATCH', headers: { ...json, Prefer: 'return=representation, missing=default' }, body: '{"name":"renamed"}' })
  t.same(await res.json(), [{ id: 7301, name: 'renamed', qty: 0, during: null }], 'qty back to its default 0')
  t.equal(res.headers.get('preference-applied'), 'missing=default, return=representation')
  res = await api.fetch('/items?id=eq.7301&columns=name,qty', { method: 'PATCH', headers: { ...json, Prefer: 'return=representation' }, body: '{"name":"again"}' })
  t.same(await res.json(), [{ id: 7301, name: 'again', qty: null, during: null }], 'without it, null')
})

t.test('PATCH with an empty body updates nothing: {}, [] and [{}] alike', async (t) => {
  for (const body of ['{}', '[]', '[{}]']) {
    const res = await api.fetch('/items?id=eq.1', { method: 'PATCH', headers: json, body })
    t.equal(res.status, 204, body)
    t.equal(res.headers.get('content-range'), '*/*', body)
  }
  const res = await api.fetch('/items?id=eq.1', { method: 'PATCH', headers: { ...json, Prefer: 'return=representation' }, body: '[{"qty":5}]' })
  t.same(((await res.json()) as { qty: number }[]).map((r) => r.qty), [5], 'an array body: its object sets the values')
})

t.test('calls: OUT parameters and TABLE columns make objects; an array body gives its first object; columns= picks arguments', async (t) => {
  let res = await api.fetch('/rpc/plus_one?num=5')
  t.same(await res.json(), { num_plus_one: 6 }, 'a single OUT parameter')
  res = await api.fetch('/rpc/one_column')
  t.same(await res.json(), [{ a: 'A' }], 'a single-column TABLE')
  res = await api.fetch('/rpc/add', { method: 'POST', headers: json, body: '[{"a":1,"b":2},{"a":4,"b":6}]' })
  t.same(await res.json(), 3)
  res = await api.fetch('/rpc/greet?columns=name', { method: 'POST', headers: json, body: '{"name":"Zoë","smth":"here"}' })
  t.same(await res.json(), 'hello Zoë')
})

t.test('request settings: headers, claims and cookies reach SQL as PostgREST sets them', async (t) => {
  const guc = async (prefix: string, name: string, headers: Record<string, string> = {}) =>
    (await api.fetch('/rpc/guc', { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify({ prefix, name }) })).json()
  t.same(await guc('request.headers', 'custom-header', { 'Custom-Header': 'test' }), 'test')
  t.same(await guc('request.jwt.claims', 'role'), 'anon')
  t.same(await guc('request.cookies', 'acookie', { Cookie: 'acookie=cookievalue' }), 'cookievalue')
  t.same(await guc('request.cookies', 'second', { Cookie: 'acookie=cookievalue; second=anothervalue' }), 'anothervalue')
  t.same(await guc('request.cookies', 'acookie'), null, 'no cookie header: no cookies')
})
