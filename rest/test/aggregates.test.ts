// Beyond PostgREST, on by default: aggregates grouped by the other selected columns, and parents
// ordered and filtered by an embedded resource's column (to-one and to-many). RLS applies.
import t from 'tap'
import { startRestTest, type RestTest } from './helpers.ts'

const EXTRA = `
CREATE TABLE public.customers (id int PRIMARY KEY, name text NOT NULL, region text);
CREATE TABLE public.invoices (id int PRIMARY KEY, customer_id int REFERENCES public.customers(id), amount numeric(30,4), issued date, owner text);
INSERT INTO public.customers VALUES (1, 'Åsa', 'north'), (2, 'Bob', 'south'), (3, 'Cyd', 'north'), (4, 'Dee', NULL);
INSERT INTO public.invoices VALUES
  (1, 1, 100.5, '2024-01-10', 'alice'), (2, 1, 200.25, '2024-03-05', 'alice'),
  (3, 2, 12345678901234567890.1234, '2023-12-31', 'bob'), (4, 3, 7, '2024-06-01', 'alice'),
  (5, 3, 8, '2022-02-02', 'bob');
ALTER TABLE public.invoices ENABLE ROW LEVEL SECURITY;
CREATE POLICY invoices_anon ON public.invoices FOR SELECT TO anon USING (true);
CREATE POLICY invoices_owner ON public.invoices FOR SELECT TO authenticated USING (owner = current_setting('request.jwt.claims', true)::jsonb->>'sub');
`

let api: RestTest
t.before(async () => {
  api = await startRestTest(t, EXTRA)
})

const get = async (path: string, init: RequestInit & { token?: string } = {}) => {
  const res = await api.fetch(path, init)
  return { status: res.status, body: (await res.json()) as unknown, range: res.headers.get('content-range') }
}

t.test('aggregates: count(), col.sum() and friends, grouped by the other selected columns', async (t) => {
  t.same((await get('/invoices?select=count()')).body, [{ count: 5 }])
  t.same((await get('/invoices?select=n:count()::text')).body, [{ n: '5' }], 'alias and cast of the result')
  t.same((await get('/invoices?select=count')).body, [{ count: 5 }], '`count` without a column of that name counts')
  t.same((await get('/invoices?select=amount.sum(),amount.max(),amount.min(),amount.count()&customer_id=eq.1')).body, [{ sum: 300.75, max: 200.25, min: 100.5, count: 2 }])
  t.same((await get('/invoices?select=customer_id,total:amount.sum()&order=customer_id')).body, [
    { customer_id: 1, total: 300.75 },
    { customer_id: 2, total: Number('12345678901234567890.1234') },
    { customer_id: 3, total: 15 },
  ])
  const raw = await (await api.fetch('/invoices?select=customer_id,total:amount.sum()&customer_id=eq.2')).text()
  t.equal(raw, '[{"customer_id":2,"total":12345678901234567890.1234}]', 'a 24-digit sum keeps its digits')
  t.same((await get('/invoices?select=total:amount::int.sum()::text&customer_id=eq.1')).body, [{ total: '301' }], 'cast before and after')
  t.same((await get('/customers?select=name,invoices(amount.sum(),count())&order=id')).body, [
    { name: 'Åsa', invoices: [{ sum: 300.75, count: 2 }] },
    { name: 'Bob', invoices: [{ sum: Number('12345678901234567890.1234'), count: 1 }] },
    { name: 'Cyd', invoices: [{ sum: 15, count: 2 }] },
    { name: 'Dee', invoices: [{ sum: null, count: 0 }] },
  ], 'aggregates inside an embed, per parent')
  t.same((await get('/invoices?select=customers(region),n:count()&order=customers(region)')).body, [
    { customers: { region: 'north' }, n: 4 },
    { customers: { region: 'south' }, n: 1 },
  ], 'grouped by an embedded resource')
  const counted = await get('/invoices?select=customer_id,count()', { headers: { Prefer: 'count=exact' } })
  t.equal(counted.range, '0-2/3', 'count=exact counts the groups')
  t.same((await get('/invoices?select=amount.avg()&customer_id=eq.99')).body, [{ avg: null }], 'no rows: one row of nulls')
})

t.test('aggregates see only the rows RLS lets through', async (t) => {
  const alice = await api.signToken({ sub: 'alice', role: 'authenticated' })
  t.same((await get('/invoices?select=owner,count()', { token: alice })).body, [{ owner: 'alice', count: 3 }])
})

t.test('aggregate errors are PostgREST-shaped 4xx', async (t) => {
  let res = await get('/invoices?select=amount.sum(),nope')
  t.equal(res.status, 400)
  t.match(res.body, { code: '42703' })
  res = await get('/invoices?select=amount.median()')
  t.equal(res.status, 400)
  t.match(res.body, { code: 'PGRST100' })
  res = await get('/invoices?select=customer_id,amount.sum()&order=issued')
  t.equal(res.status, 400, 'ordering by a column that is neither grouped nor aggregated')
  t.match(res.body, { code: '42803' })
  res = await get('/invoices?select=...customers(region,n:id.count())')
  t.equal(res.status, 400)
  t.match(res.body, { code: 'PGSR103' })
})

t.test('parents ordered by an embedded column: to-one, and to-many by its smallest or largest value', async (t) => {
  const names = (body: unknown) => (body as { name?: string; id?: number }[]).map((r) => r.name ?? r.id)
  t.same(names((await get('/customers?select=name,invoices(issued)&order=invoices(issued).desc.nullslast')).body), ['Cyd', 'Åsa', 'Bob', 'Dee'], 'by latest invoice')
  t.same(names((await get('/customers?select=name,invoices(issued)&order=invoices(issued).asc.nullsfirst')).body), ['Dee', 'Cyd', 'Bob', 'Åsa'], 'by earliest invoice')
  t.same(names((await get('/customers?select=name,invoices(amount)&invoices.owner=eq.alice&order=invoices(amount).desc.nullslast,id')).body), ['Åsa', 'Cyd', 'Bob', 'Dee'], "the embed's filters apply to the ordering")
  t.same(names((await get('/invoices?select=id,customers(name)&order=customers(id).desc,id')).body), [4, 5, 3, 1, 2], 'to-one, by a column the embed does not select')
})

t.test('parents filtered by an embedded column in logic trees', async (t) => {
  const names = (body: unknown) => (body as { name: string }[]).map((r) => r.name)
  t.same(names((await get('/customers?select=name,invoices(id)&or=(invoices.amount.gt.1000,name.eq.Dee)&order=id')).body), ['Bob', 'Dee'], 'some invoice over 1000, or named Dee')
  t.same(names((await get('/customers?select=name,invoices()&and=(invoices.issued.gte.2024-01-01,invoices.owner.eq.alice)&order=id')).body), ['Åsa', 'Cyd'])
  t.same(names((await get('/customers?select=name,invoices()&not.or=(invoices.amount.lt.100)&order=id')).body), ['Åsa', 'Bob', 'Dee'], 'negated: no invoice under 100')
  const invoices = await get('/invoices?select=id,customers(name)&or=(customers.region.eq.south,id.eq.1)&order=id')
  t.same((invoices.body as { id: number }[]).map((r) => r.id), [1, 3], 'to-one embeds too')
  const res = await get('/customers?select=name&or=(invoices.amount.gt.1)')
  t.equal(res.status, 400, 'the embed must be selected')
  t.match(res.body, { code: 'PGRST108' })
})
