// Atomic batches: several REST operations in one request and one transaction, all or nothing,
// per-operation results, later operations using earlier results' keys; RLS applies to each.
import t from 'tap'
import { startRestTest, type RestTest } from './helpers.ts'

const EXTRA = `
CREATE TABLE public.orders (id bigint PRIMARY KEY DEFAULT 9007199254740993 + nextval('public.orders_seq'), customer text NOT NULL, total numeric(32,20));
CREATE TABLE public.order_lines (id serial PRIMARY KEY, order_id bigint NOT NULL REFERENCES public.orders(id), sku text NOT NULL, qty int NOT NULL CHECK (qty > 0));
CREATE TABLE public.stock (sku text PRIMARY KEY, qty int NOT NULL CHECK (qty >= 0));
INSERT INTO public.stock VALUES ('apple', 10), ('pear', 1);
CREATE TABLE public.diary (id serial PRIMARY KEY, owner text NOT NULL DEFAULT (current_setting('request.jwt.claims', true)::jsonb->>'sub'), entry text);
ALTER TABLE public.diary ENABLE ROW LEVEL SECURITY;
CREATE POLICY diary_owner ON public.diary USING (owner = current_setting('request.jwt.claims', true)::jsonb->>'sub') WITH CHECK (owner = current_setting('request.jwt.claims', true)::jsonb->>'sub');
`

let api: RestTest
t.before(async () => {
  api = await startRestTest(t, `CREATE SEQUENCE public.orders_seq;${EXTRA}`)
  for (let i = 0; i < 200 && (await api.fetch('/orders?limit=0')).status !== 200; i++) await new Promise((r) => setTimeout(r, 50))
})

const batch = (operations: unknown, init: { token?: string; prefer?: string } = {}) =>
  api.fetch('/', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(init.prefer ? { Prefer: init.prefer } : {}) },
    body: typeof operations === 'string' ? operations : JSON.stringify({ operations }),
    ...(init.token ? { token: init.token } : {}),
  })

t.test('operations run in order, each with its own result, and later ones use earlier keys', async (t) => {
  const res = await batch([
    { name: 'order', method: 'POST', path: '/orders?select=id,customer', headers: { Prefer: 'return=representation', Accept: 'application/vnd.pgrst.object+json' }, body: { customer: 'Zoë', total: '12345678901.12345678901234567890' } },
    { method: 'POST', path: '/order_lines?select=order_id,sku,qty', headers: { Prefer: 'return=representation' }, body: [{ order_id: '{{order.id}}', sku: 'apple', qty: 3 }, { order_id: '{{order.id}}', sku: 'pear', qty: 1 }] },
    { method: 'PATCH', path: '/stock?sku=eq.apple', headers: { Prefer: 'return=representation' }, body: { qty: 7 } },
    { method: 'GET', path: '/orders?id=eq.{{order.id}}&select=customer,total,order_lines(sku)', headers: { Prefer: 'count=exact' } },
    { method: 'DELETE', path: '/stock?sku=eq.nothing' },
  ])
  t.equal(res.status, 200)
  const text = await res.text()
  // bigint keys past 2^53 and a 30-digit numeric travel as written, never through a double
  t.match(text, /"id":9007199254740994/, 'the bigint key keeps its digits')
  t.match(text, /"total":12345678901\.12345678901234567890/, 'the numeric keeps its digits')
  t.match(text, /"order_id":9007199254740994,"sku":"apple"/, 'the reference carried the exact key into the next insert')
  const body = JSON.parse(text) as { results: { status: number; headers: Record<string, string>; body: unknown }[] }
  t.same(body.results.map((r) => r.status), [201, 201, 200, 200, 204])
  t.same(body.results[2]!.body, [{ sku: 'apple', qty: 7 }])
  t.match(body.results[3]!, { headers: { 'Content-Range': '0-0/1' }, body: [{ customer: 'Zoë', order_lines: [{ sku: 'apple' }, { sku: 'pear' }] }] })
  t.same(body.results[4]!.body, null)
  t.same(await api.admin('SELECT count(*)::int AS n FROM public.order_lines'), [{ n: 2 }])
})

t.test('all or nothing: a failing operation rolls back the earlier ones and is named in the error', async (t) => {
  const res = await batch([
    { method: 'PATCH', path: '/stock?sku=eq.apple', body: { qty: 0 } },
    { name: 'bad', method: 'PATCH', path: '/stock?sku=eq.pear', body: { qty: -1 } },
    { method: 'DELETE', path: '/stock' },
  ])
  t.equal(res.status, 400)
  const error = await res.json()
  t.match(error, { code: '23514', message: /stock_qty_check/, operation: { index: 1, name: 'bad' } })
  t.same(await api.admin("SELECT qty FROM public.stock WHERE sku = 'apple'"), [{ qty: 7 }], 'the first update was rolled back')
  const singular = await batch([
    { method: 'DELETE', path: '/stock?sku=eq.apple' },
    { method: 'GET', path: '/stock?sku=eq.nothing', headers: { Accept: 'application/vnd.pgrst.object+json' } },
  ])
  t.equal(singular.status, 406, 'a singular violation fails the batch')
  t.match(await singular.json(), { code: 'PGRST116', operation: { index: 1 } })
  t.same(await api.admin("SELECT qty FROM public.stock WHERE sku = 'apple'"), [{ qty: 7 }])
  const rollback = await batch([{ method: 'DELETE', path: '/stock' }], { prefer: 'tx=rollback' })
  t.equal(rollback.status, 200)
  t.equal(rollback.headers.get('preference-applied'), 'tx=rollback')
  t.same(await api.admin('SELECT count(*)::int AS n FROM public.stock'), [{ n: 2 }], 'tx=rollback on the batch')
})

t.test('RLS applies to every operation, as the batch token', async (t) => {
  const alice = await api.signToken({ sub: 'alice', role: 'authenticated' })
  const bob = await api.signToken({ sub: 'bob', role: 'authenticated' })
  let res = await batch([{ name: 'e', method: 'POST', path: '/diary', headers: { Prefer: 'return=representation' }, body: { entry: 'dear diary' } }], { token: alice })
  t.equal(res.status, 200)
  res = await batch([
    { method: 'GET', path: '/diary?select=entry' },
    { method: 'PATCH', path: '/diary?owner=eq.alice', headers: { Prefer: 'return=representation' }, body: { entry: 'stolen' } },
  ], { token: bob })
  const body = (await res.json()) as { results: { body: unknown }[] }
  t.same(body.results.map((r) => r.body), [[], []], "bob neither sees nor changes alice's entry")
  res = await batch([{ method: 'POST', path: '/diary', body: { owner: 'alice', entry: 'spoof' } }], { token: bob })
  t.equal(res.status, 403)
  t.match(await res.json(), { code: '42501', operation: { index: 0 } })
  res = await batch([{ method: 'GET', path: '/diary' }])
  t.same(((await res.json()) as { results: { body: unknown }[] }).results[0]!.body, [], 'anon sees nothing')
})

t.test('a CSV or form body travels as a JSON string', async (t) => {
  const res = await batch([
    { method: 'POST', path: '/stock?select=sku,qty', headers: { 'Content-Type': 'text/csv', Prefer: 'return=representation' }, body: 'sku,qty\nplum,4\nfig,"5"' },
    { method: 'POST', path: '/stock?select=sku', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Prefer: 'return=representation' }, body: 'sku=kiwi&qty=1' },
  ], { prefer: 'tx=rollback' })
  const body = (await res.json()) as { results: { body: unknown }[] }
  t.same(body.results.map((r) => r.body), [[{ sku: 'plum', qty: 4 }, { sku: 'fig', qty: 5 }], [{ sku: 'kiwi' }]])
})

t.test('malformed batches are PostgREST-shaped 4xx', async (t) => {
  const expect4xx = async (body: string, status: number, code: string) => {
    const res = await batch(body)
    t.equal(res.status, status, body)
    const error = (await res.json()) as Record<string, unknown>
    t.equal(error.code, code, body)
    t.ok('message' in error && 'details' in error && 'hint' in error, `${body}: shape`)
  }
  await expect4xx('{"operations":', 400, 'PGRST102')
  await expect4xx('{"operations":{}}', 400, 'PGSR100')
  await expect4xx('[]', 400, 'PGSR100')
  await expect4xx('[1]', 400, 'PGSR101')
  await expect4xx('[{"method":"TRACE","path":"/stock"}]', 400, 'PGSR101')
  await expect4xx('[{"method":"GET","path":"stock"}]', 400, 'PGSR101')
  await expect4xx('[{"method":"GET","path":"/stock","headers":{"Authorization":"Bearer x"}}]', 400, 'PGSR101')
  await expect4xx('[{"method":"GET","path":"/stock","headers":{"Prefer":"tx=rollback"}}]', 400, 'PGSR101')
  await expect4xx('[{"method":"GET","path":"/stock","extra":1}]', 400, 'PGSR101')
  await expect4xx('[{"name":"a","method":"GET","path":"/stock"},{"name":"a","method":"GET","path":"/stock"}]', 400, 'PGSR101')
  await expect4xx('[{"method":"GET","path":"/stock?sku=eq.{{nope.sku}}"}]', 400, 'PGSR102')
  await expect4xx('[{"name":"d","method":"DELETE","path":"/stock?sku=eq.x"},{"method":"GET","path":"/stock?sku=eq.{{d.0.sku}}"}]', 400, 'PGSR102')
  await expect4xx('[{"name":"g","method":"GET","path":"/stock"},{"method":"GET","path":"/stock?sku=eq.{{g.9.sku}}"}]', 400, 'PGSR102')
  await expect4xx('[{"method":"GET","path":"/"}]', 400, 'PGSR101')
  await expect4xx('[{"method":"GET","path":"/nope"}]', 404, 'PGRST205')
  await expect4xx('[{"method":"GET","path":"/stock?sku=zz.1"}]', 400, 'PGRST100')
  await expect4xx(JSON.stringify(Array.from({ length: 101 }, () => ({ method: 'GET', path: '/stock' }))), 400, 'PGSR100')
})
