import t from 'tap'
import { LiveTestClient, canon } from './live-client.ts'
import { setup } from './live-fixture.ts'

t.test('subscribe: snapshot in order, then deltas; a write right after subscribing arrives', async (t) => {
  const { admin, open, serviceKey } = await setup(t)
  const client = await open(serviceKey)
  const sub = client.subscribe('s1', 'todos', [false])
  // the write races the subscribe on purpose
  await admin.query("INSERT INTO todo VALUES (4, 'ann', 'eggs', false)")
  await client.until(() => sub.state === 'live', 5_000, 'live')
  await client.until(() => client.rows('s1').length === 4, 5_000, 'the racing insert')
  t.same(client.rows('s1').map((r) => r.id), [1, 2, 3, 4])
  await admin.query('UPDATE todo SET title = $1 WHERE id = 2', ['rye bread'])
  await client.until(() => client.rows('s1')[1]?.title === 'rye bread', 5_000, 'update')
  await admin.query('UPDATE todo SET done = true WHERE id = 1')
  await client.until(() => client.rows('s1').length === 3, 5_000, 'row leaving the result')
  t.same(client.rows('s1').map((r) => r.id), [2, 3, 4])
  t.equal(sub.gaps, 0)
  client.send({ type: 'unsubscribe', id: 's1' })
  await client.until(() => sub.closed, 5_000, 'closed')
  t.equal(sub.error, null)
})

t.test('the order of ORDER BY is kept through inserts and updates', async (t) => {
  const { admin, open, serviceKey } = await setup(t)
  const client = await open(serviceKey)
  const sub = client.subscribe('a', 'all_todos')
  await client.until(() => sub.state === 'live')
  await admin.query("INSERT INTO todo VALUES (5, 'ann', 'apples', false), (6, 'bob', 'zucchini', false)")
  await admin.query("UPDATE todo SET title = 'aaa' WHERE id = 1")
  const fresh = async () => (await admin.query('SELECT id, owner, title, done FROM todo ORDER BY title DESC, id')).rows
  const expected = canon(await fresh())
  await client.until(() => canon(client.rows('a')) === expected, 5_000, 'ordered rows')
  t.same(client.rows('a'), await fresh())
})

t.test('errors: unknown query, bad params, unknown id, not authenticated', async (t) => {
  const { open, serviceKey, url } = await setup(t)
  const client = await open(serviceKey)
  client.subscribe('x', 'nope')
  const e1 = await client.next((m) => m.type === 'error' && m.id === 'x')
  t.equal(e1.code, '42704')
  t.same(Object.keys(e1).filter((k) => !['type', 'id'].includes(k)).sort(), ['code', 'details', 'hint', 'message'])
  await client.next((m) => m.type === 'closed' && m.id === 'x')
  client.send({ type: 'subscribe', id: 'y', query: 'todos', params: { done: false } })
  t.equal((await client.next((m) => m.type === 'error' && m.id === 'y')).code, 'PGSL010')
  client.send({ type: 'unsubscribe', id: 'zzz' })
  t.equal((await client.next((m) => m.type === 'error' && m.id === 'zzz')).code, 'PGSL004')
  client.send({ type: 'bogus' })
  t.equal((await client.next((m) => m.type === 'error' && m.code === 'PGSL001')).code, 'PGSL001')
  client.send({ type: 'ping' })
  await client.next((m) => m.type === 'pong')

  const anonymous = await LiveTestClient.open(url)
  t.teardown(() => anonymous.close())
  anonymous.subscribe('s', 'todos', [false])
  t.equal((await anonymous.next((m) => m.type === 'error')).code, 'PGSL002')
  anonymous.send({ type: 'auth', token: 'not.a.jwt' })
  t.equal((await anonymous.next((m) => m.type === 'error' && m.code === 'PGRST301')).code, 'PGRST301')
})

t.test('parameters keep every digit: a bigint past 2^53 or a 25-digit numeric selects its own rows, as a JSON number or a string', async (t) => {
  const { admin, open, serviceKey } = await setup(t)
  await admin.query(`CREATE TABLE ledger (id bigint PRIMARY KEY, amount numeric NOT NULL);
    GRANT SELECT ON ledger TO service_role;
    INSERT INTO ledger VALUES (9007199254740992, 1), (9007199254740993, 1234567890123456789012345), (9007199254740994, 1234567890123456789012344);
    SELECT pgr.define('ledger_by', 'SELECT id::text AS id FROM ledger WHERE id = $1 OR amount = $2 ORDER BY id', '{bigint,numeric}')`)
  const client = await open(serviceKey)
  // written by hand: JSON.stringify cannot write these numbers
  client.ws.send('{"type":"subscribe","id":"n","query":"ledger_by","params":[9007199254740993,1234567890123456789012344]}')
  client.ws.send('{"type":"subscribe","id":"s","query":"ledger_by","params":{"1":"9007199254740993","2":"0"}}')
  const rowsOf = async (id: string) => {
    const snapshot = await client.next((m) => m.type === 'snapshot' && m.id === id)
    return (snapshot.rows as Array<{ row: { id: string } }>).map((e) => e.row.id)
  }
  t.same(await rowsOf('n'), ['9007199254740993', '9007199254740994'], 'JSON numbers: …993 and the 25-digit amount of …994, not …992')
  t.same(await rowsOf('s'), ['9007199254740993'], 'strings: the type’s text input')
})
