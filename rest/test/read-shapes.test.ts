// Reads by shape (rest/src/prepare.ts): requests that differ only in their `col=eq.value` filters
// reuse one plan and statement. Each must still get its own rows — values of every kind, the
// caller's role and row-level security, the headers it sent — and a schema change must be seen.
import t from 'tap'
import { startRestTest, type RestTest } from './helpers.ts'

const BIG = '9007199254740993' // 2^53 + 1: not a double
const CODES = ['a b', 'a+b', 'ä€😀', 'x,y', '(1)', 'eq.1', '', '"q"', '%', 'O\'Brien', 'a&b=c']

let api: RestTest
t.before(async () => {
  api = await startRestTest(t, `
    CREATE TABLE public.keyed (id bigint PRIMARY KEY, code text UNIQUE, label text, amount int);
    INSERT INTO public.keyed VALUES (${BIG}, 'big', 'the big one', 1), (${BIG.slice(0, -1)}2, 'big-1', 'its neighbour', 2);
    INSERT INTO public.keyed SELECT g, c, 'label ' || g, g FROM unnest(ARRAY[${CODES.map((c) => `'${c.replace(/'/g, "''")}'`).join(', ')}]) WITH ORDINALITY AS u(c, g);
  `)
})

async function json(path: string, init: RequestInit & { token?: string } = {}): Promise<unknown> {
  const res = await api.fetch(path, init)
  const text = await res.text()
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${text}`)
  return JSON.parse(text)
}

t.test('GETs by key of one shape each get their own row, whatever the value', async (t) => {
  // Twice over, in different orders: the second pass runs on learnt shapes.
  for (const order of [CODES, [...CODES].reverse()]) {
    for (const code of order) {
      const i = CODES.indexOf(code) + 1
      t.same(await json(`/keyed?select=id,label&code=eq.${encodeURIComponent(code)}`), [{ id: i, label: `label ${i}` }], JSON.stringify(code))
    }
  }
  t.same(await json('/keyed?select=label&code=eq.a+b'), [{ label: 'label 1' }], "'+' in a value is a space")
  t.same(await json('/keyed?select=label&code=eq.a%2Bb'), [{ label: 'label 2' }], '%2B is a plus')
  t.same(await json('/keyed?select=label&code=eq.nothing'), [], 'no row')
  const big = await api.fetch(`/keyed?select=id,label&id=eq.${BIG}`)
  t.equal(await big.text(), `[{"id":${BIG},"label":"the big one"}]`, 'a bigint past 2^53, exactly')
  t.same(await json(`/keyed?select=label&id=eq.${BIG.slice(0, -1)}2`), [{ label: 'its neighbour' }])
  const bad = await api.fetch('/keyed?select=label&id=eq.notanumber')
  t.equal(bad.status, 400, 'a value the column cannot take is its own error')
  t.equal(((await bad.json()) as { code: string }).code, '22P02')
  t.same(await json('/keyed?select=label&id=eq.3'), [{ label: 'label 3' }], 'and the shape still serves')
})

t.test('several filters of one shape, in their own places', async (t) => {
  t.same(await json('/keyed?select=id&code=eq.x,y&label=eq.label%204'), [{ id: 4 }])
  t.same(await json('/keyed?select=id&code=eq.x,y&label=eq.label%205'), [])
  t.same(await json('/keyed?select=id&code=eq.(1)&label=eq.label%205'), [{ id: 5 }])
  t.same(await json('/keyed?select=id&label=eq.label%205&code=eq.(1)'), [{ id: 5 }], 'the other order')
  t.same(await json('/keyed?select=id&id=eq.3&id=eq.3'), [{ id: 3 }], 'a repeated key')
  t.same(await json('/keyed?select=id&id=eq.3&id=eq.4'), [], 'a repeated key, values that differ')
  t.same(await json('/keyed?select=id&id=eq.4&id=eq.4'), [{ id: 4 }])
  t.same(await json('/keyed?select=id&id=eq.5&order=id&limit=5'), [{ id: 5 }], 'a value equal to the limit')
  t.same(await json('/keyed?select=id&id=eq.2&order=id&limit=5'), [{ id: 2 }])
})

t.test('the headers a read depends on are part of its shape', async (t) => {
  const object = await api.fetch('/keyed?select=id&id=eq.3', { headers: { Accept: 'application/vnd.pgrst.object+json' } })
  t.same(await object.json(), { id: 3 }, 'singular')
  t.same(await json('/keyed?select=id&id=eq.3'), [{ id: 3 }], 'then an array again')
  const none = await api.fetch('/keyed?select=id&id=eq.999', { headers: { Accept: 'application/vnd.pgrst.object+json' } })
  t.equal(none.status, 406, 'singular with no row')
  const counted = await api.fetch('/keyed?select=id&id=eq.3', { headers: { Prefer: 'count=exact' } })
  t.equal(counted.headers.get('content-range'), '0-0/1')
  const csv = await api.fetch('/keyed?select=id,label&id=eq.4', { headers: { Accept: 'text/csv' } })
  t.equal(await csv.text(), 'id,label\n4,"label 4"')
  const head = await api.fetch('/keyed?select=id&id=eq.4', { method: 'HEAD' })
  t.equal(head.status, 200)
  t.equal(await head.text(), '')
})

t.test('role and row-level security are the caller\'s, on the same shape', async (t) => {
  await api.admin(`INSERT INTO public.notes (id, owner, body) VALUES (900, 'alice', 'alice''s'), (901, 'bob', 'bob''s')`)
  const alice = await api.signToken({ sub: 'alice', role: 'authenticated' })
  const bob = await api.signToken({ sub: 'bob', role: 'authenticated' })
  for (let round = 0; round < 3; round++) {
    t.same(await json('/notes?select=body&id=eq.900', { token: alice }), [{ body: "alice's" }])
    t.same(await json('/notes?select=body&id=eq.900', { token: bob }), [], 'bob does not see alice\'s note')
    t.same(await json('/notes?select=body&id=eq.901', { token: bob }), [{ body: "bob's" }])
    t.same(await json('/notes?select=body&id=eq.901', { token: alice }), [])
  }
  const secret = await api.fetch('/secrets?select=v&id=eq.1', { token: alice })
  t.equal(secret.status, 403, 'no grant: still refused')
  t.equal((await api.fetch('/secrets?select=v&id=eq.2', { token: alice })).status, 403)
})

t.test('schema changes are seen by requests of a known shape', async (t) => {
  const eventually = async (path: string, expected: string) => {
    for (let i = 0; i < 100; i++) {
      const res = await api.fetch(path)
      if (res.status === 200 && (await res.text()) === expected) return true
      await new Promise((r) => setTimeout(r, 50))
    }
    return false
  }
  for (let i = 0; i < 5; i++) t.same(await json(`/keyed?id=eq.${i + 1}`), [{ id: i + 1, code: CODES[i], label: `label ${i + 1}`, amount: i + 1 }])
  await api.admin('ALTER TABLE public.keyed ADD COLUMN extra int DEFAULT 7')
  t.ok(await eventually('/keyed?id=eq.4', '[{"id":4,"code":"x,y","label":"label 4","amount":4,"extra":7}]'), 'a new column in select=*')
  for (let i = 0; i < 5; i++) await json(`/keyed?select=amount&id=eq.${i + 1}`)
  await api.admin("ALTER TABLE public.keyed ALTER COLUMN amount TYPE numeric(30,0); UPDATE public.keyed SET amount = 1234567890123456789012345 WHERE id = 2")
  t.ok(await eventually('/keyed?select=amount&id=eq.2', '[{"amount":1234567890123456789012345}]'), 'a new column type, 25 digits exactly')
  await api.admin('ALTER TABLE public.keyed RENAME COLUMN label TO title')
  t.ok(await eventually('/keyed?select=title&id=eq.4', '[{"title":"label 4"}]'), 'a renamed column')
  const old = await api.fetch('/keyed?select=label&id=eq.4')
  t.equal(old.status, 400, 'the old name is gone')
})
