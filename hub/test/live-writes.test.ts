import t from 'tap'
import pg from 'pg'
import { canon, LiveTestClient } from './live-client.ts'
import { setup } from './live-fixture.ts'

/** A small deterministic PRNG, so a failure can be replayed from its seed. */
function prng(seed: number) {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0
    return seed / 2 ** 32
  }
}

t.test('random concurrent writes: after every settle, each subscriber\'s rows equal a fresh SELECT', async (t) => {
  const { admin, open, settle, serviceKey, signToken, db } = await setup(t)
  const seed = Number(process.env.LIVE_SEED ?? Date.now() % 100_000)
  t.comment(`seed ${seed}`)
  const random = prng(seed)
  const ann = await signToken({ role: 'authenticated', sub: 'ann' })
  const service1 = await open(serviceKey)
  const service2 = await open(serviceKey)
  const annClient = await open(ann)
  service1.subscribe('open', 'todos', [false])
  service1.subscribe('ordered', 'all_todos')
  service2.subscribe('open', 'todos', [false]) // shares service1's feed
  service2.subscribe('done', 'todos', [true])
  annClient.subscribe('mine', 'all_todos')
  const views: Array<[LiveTestClient, string, string, string | null]> = [
    [service1, 'open', 'SELECT id, owner, title, done FROM todo WHERE done = false ORDER BY id', null],
    [service1, 'ordered', 'SELECT id, owner, title, done FROM todo ORDER BY title DESC, id', null],
    [service2, 'open', 'SELECT id, owner, title, done FROM todo WHERE done = false ORDER BY id', null],
    [service2, 'done', 'SELECT id, owner, title, done FROM todo WHERE done = true ORDER BY id', null],
    [annClient, 'mine', "SELECT id, owner, title, done FROM todo WHERE owner = 'ann' ORDER BY title DESC, id", null],
  ]
  for (const [client, id] of views) await client.until(() => client.subs.get(id)!.state === 'live', 5_000, id)
  t.equal(service1.subs.get('open')!.feed, service2.subs.get('open')!.feed, 'same query, params and claims share a feed')

  const writers = await Promise.all(
    [0, 1, 2].map(async () => {
      const c = new pg.Client({ connectionString: db.adminUrl })
      await c.connect()
      t.teardown(() => c.end())
      return c
    }),
  )
  const owners = ['ann', 'bob', 'public']
  const words = ['apple', 'bread', 'cheese', 'dates', 'eggs', 'figs', 'grapes', 'honey']
  const write = async (c: pg.Client) => {
    const id = 1 + Math.floor(random() * 40)
    const pick = random()
    const title = `${words[Math.floor(random() * words.length)]} ${Math.floor(random() * 5)}`
    const owner = owners[Math.floor(random() * owners.length)]
    if (pick < 0.4) {
      await c.query('INSERT INTO todo VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title', [id, owner, title, random() < 0.3])
    } else if (pick < 0.8) {
      await c.query('UPDATE todo SET done = NOT done, title = $2 WHERE id = $1', [id, title])
    } else if (pick < 0.95) {
      await c.query('DELETE FROM todo WHERE id = $1', [id])
    } else {
      await c.query('BEGIN')
      await c.query('UPDATE todo SET owner = $1 WHERE id % 7 = $2', [owner, id % 7])
      await c.query('DELETE FROM todo WHERE id = $1', [id + 1])
      await c.query('COMMIT')
    }
  }
  for (let round = 0; round < 6; round++) {
    await Promise.all(writers.map(async (c) => {
      for (let i = 0; i < 15; i++) await write(c)
    }))
    for (const [client, id, sql] of views) {
      await settle(client, id)
      const expected = (await admin.query(sql)).rows
      t.equal(canon(client.rows(id)), canon(expected), `round ${round}: ${id} equals a fresh SELECT`)
    }
  }
  for (const [client, id] of views) t.equal(client.subs.get(id)!.gaps, 0, `${id}: no sequence gaps`)
})

t.test('every delta, applied as it arrives, matches the feed result at its sequence', async (t) => {
  // Checks each intermediate state, not only settled ones: the hub's rows after delta n must equal
  // pg_reactive's own result at n, which it stored as the feed's delta log applied in order.
  const { admin, open, settle, serviceKey } = await setup(t)
  const client = await open(serviceKey)
  const states = new Map<number, string>()
  const sub = client.subscribe('o', 'all_todos')
  client.onDelta = () => queueMicrotask(() => states.set(sub.seq, canon(client.rows('o'))))
  await client.until(() => sub.state === 'live')
  // the hub's own pg_reactive subscription on this feed (read through the public API as superuser)
  const subscriptionId = (await admin.query('SELECT id FROM pgr.subscriptions WHERE feed_id = $1', [sub.feed])).rows[0].id
  const start = (await admin.query('SELECT seq, rows FROM pgr.resync($1)', [subscriptionId])).rows[0]
  t.equal(Number(start.seq), sub.seq)
  for (let i = 0; i < 30; i++) {
    await admin.query('INSERT INTO todo VALUES ($1, $2, $3, false) ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title', [10 + (i % 12), 'bob', `t${(i * 7) % 13}`])
    if (i % 3 === 0) await admin.query('SELECT pgr.wait_idle()')
  }
  await settle(client, 'o')
  const log = (await admin.query('SELECT seq, ops FROM pgr.changes($1, $2)', [subscriptionId, start.seq])).rows
  let rows = start.rows
  for (const { seq, ops } of log) {
    rows = (await admin.query("SELECT pgr.apply($1::jsonb, $2::jsonb, '{id}') AS r", [JSON.stringify(rows), JSON.stringify(ops)])).rows[0].r
    if (!states.has(Number(seq))) continue
    const sorted = [...rows].sort((a: { title: string; id: number }, b: { title: string; id: number }) => (a.title === b.title ? a.id - b.id : a.title < b.title ? 1 : -1))
    t.equal(states.get(Number(seq)), canon(sorted), `rows after delta ${seq}`)
  }
  t.ok(states.size >= 5, `saw ${states.size} intermediate states`)
})
