// Prepared statements on a pooled connection (rest/src/pipeline.ts): each statement text is
// prepared once per connection, at most 200 per connection, the least recently used closed first.
// One pooled connection, so that every request and the function counting its statements share it.
import t from 'tap'
import { startRestTest, type RestTest } from './helpers.ts'

let api: RestTest
t.before(async () => {
  api = await startRestTest(t, `
    CREATE FUNCTION public.prepared_like(pattern text) RETURNS int LANGUAGE sql STABLE
      AS $$SELECT count(*)::int FROM pg_prepared_statements WHERE statement LIKE pattern$$;
  `, { env: { PGSTACK_DB_POOL_SIZE: '1' } })
})

async function json(path: string): Promise<unknown> {
  const res = await api.fetch(path)
  const text = await res.text()
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${text}`)
  return JSON.parse(text)
}

/** Statements prepared on the pool's one connection whose text has the column alias `name`. */
const preparedWith = (alias: string) => json(`/rpc/prepared_like?pattern=${encodeURIComponent(`%AS "${alias}"%`)}`)

t.test('a new statement text is still prepared past 200 of them; the least recently used is closed', async (t) => {
  // 260 statement texts (an alias each), each run twice; c0 kept in use all along.
  for (let i = 0; i < 260; i++) {
    for (const id of [1 + (i % 100), 1 + ((i + 1) % 100)]) t.same(await json(`/items?select=c${i}:id&id=eq.${id}`), [{ [`c${i}`]: id }])
    if (i % 50 === 0) await json('/items?select=c0:id&id=eq.1')
  }
  t.equal(await preparedWith('c259'), 1, 'the newest text is prepared, not planned again on every run')
  t.equal(await preparedWith('c0'), 1, 'one in use all along stays')
  t.equal(await preparedWith('c1'), 0, 'the least recently used was closed')
  t.ok((await json(`/rpc/prepared_like?pattern=%25`)) as number <= 200, 'at most 200 on the connection')
  t.same(await json('/items?select=c1:id&id=eq.7'), [{ c1: 7 }], 'a closed one prepares again when asked')
  t.equal(await preparedWith('c1'), 1)
})
