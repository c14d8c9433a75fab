// Live queries through @pgstack/sdk against the hub's /live/v1 on a running stack: rows equal a
// fresh SELECT (through /rest/v1 with the same filter and order) after writes, a write made right
// after subscribing arrives, the session's token decides what RLS shows, and React renders it.
import { createServer, connect, type Socket } from 'node:net'
import t from 'tap'
import { createElement } from 'react'
import TestRenderer, { act } from 'react-test-renderer'
import { WebSocket } from 'ws'
import { websocketTransport, type LiveQuery, type WebSocketConstructor } from '@pgstack/sdk/pgstack'
import { useLiveQuery, type LiveQueryResult } from '@pgstack/sdk/react'
import { parseExactJson } from '@pgstack/sdk/exact-json'
import { startSdkStack } from './stack.ts'

;(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true

interface Row {
  id: number
  title: string
  done: boolean
  owner: string | null
  created_at: string
}

const stack = await startSdkStack(t, { PGSTACK_LIVE_FEED_LINGER_MS: '0' })
await stack.sql(
  // The hub orders deltas by ORDER BY columns that are in the output, so created_at is selected.
  `SELECT pgr.define('active_todos', 'SELECT id, title, done, owner, created_at FROM todos WHERE done = $1 ORDER BY created_at DESC, id', '{boolean}')`,
)
const transport = websocketTransport({ WebSocket: WebSocket as unknown as WebSocketConstructor })
const client = (options: Parameters<typeof stack.client>[0] = {}) =>
  stack.client({ ...options, live: { transport } })

async function until(check: () => boolean, what: string, ms = 10_000) {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
/** What /rest/v1 returns for the live query's SQL, as the same client. */
const fresh = async (pgstack: ReturnType<typeof client>) =>
  (
    await pgstack
      .from('todos')
      .select('id, title, done, owner, created_at')
      .eq('done', false)
      .order('created_at', { ascending: false })
      .order('id')
  ).data
/** Rows as JSON, keys as they came: live rows carry the SELECT's column order, as /rest/v1's do. */
const canon = (rows: readonly object[] | null | undefined) => JSON.stringify(rows)
const sameAsFresh = async (
  pgstack: ReturnType<typeof client>,
  query: LiveQuery<Row>,
  what: string,
) => {
  await stack.sql('SELECT pgr.wait_idle()')
  const expected = canon(await fresh(pgstack))
  await until(() => canon(query.rows) === expected, what)
}

t.test(
  'client.live: snapshot, a racing write, then random writes; rows equal a fresh SELECT',
  async (t) => {
    const pgstack = client()
    const query = pgstack.live<Row>('active_todos', { params: [false] })
    await stack.sql("INSERT INTO todos (title) VALUES ('raced the subscribe')")
    await until(() => query.state === 'live', 'live')
    await until(
      () => query.rows.some((r) => r.title === 'raced the subscribe'),
      'the racing insert',
    )
    await sameAsFresh(pgstack, query, 'the snapshot')
    t.same(query.rows.map((r) => r.title).slice(-3), ['call mum', 'write report', 'buy milk'])

    for (let round = 0; round < 5; round++) {
      await stack.sql(`INSERT INTO todos (title) VALUES ('r${round} a'), ('r${round} b')`)
      await stack.sql(`UPDATE todos SET done = NOT done WHERE title = 'r${round} a' OR id = 1`)
      await stack.sql(`UPDATE todos SET title = title || '!' WHERE title = 'r${round} b'`)
      if (round % 2) await stack.sql(`DELETE FROM todos WHERE title LIKE 'r${round - 1}%'`)
      await sameAsFresh(pgstack, query, `round ${round}`)
    }
    t.pass('rows equal a fresh SELECT after every round')
    t.same(
      query.rows.map((r) => Object.keys(r).join()),
      query.rows.map(() => 'id,title,done,owner,created_at'),
      "every row's keys in the SELECT's column order (snapshot rows and delta rows alike)",
    )
    t.ok(query.sequence! > 0)
    query.close()
    t.equal(query.state, 'closed')
  },
)

t.test(
  "the session's token decides what a live query sees, and follows sign-in and sign-out",
  async (t) => {
    const user = client()
    const signed = await user.auth.signUp({ email: 'live@example.com', password: 'secret-pass' })
    t.error(signed.error)
    t.error((await user.from('todos').insert({ title: 'live private' })).error)

    const anon = client()
    const anonQuery = anon.live<Row>('active_todos', { params: [false] })
    const userQuery = user.live<Row>('active_todos', { params: [false] })
    await until(() => anonQuery.state === 'live' && userQuery.state === 'live', 'both live')
    await sameAsFresh(user, userQuery, "the user's rows")
    await sameAsFresh(anon, anonQuery, "anon's rows")
    t.ok(
      userQuery.rows.some((r) => r.title === 'live private'),
      'the user sees their row',
    )
    t.notOk(
      anonQuery.rows.some((r) => r.title === 'live private'),
      'anon does not',
    )

    await user.auth.signOut()
    await until(
      () => !userQuery.rows.some((r) => r.title === 'live private'),
      'sign-out re-authorizes as anon',
    )
    t.equal(userQuery.state, 'live')
    await user.auth.signInWithPassword({ email: 'live@example.com', password: 'secret-pass' })
    await until(
      () => userQuery.rows.some((r) => r.title === 'live private'),
      'sign-in brings the row back',
    )
    anonQuery.close()
    userQuery.close()
  },
)

t.test(
  'builder .live(): compiled by the REST planner; rows equal /rest/v1 after writes, under RLS',
  async (t) => {
    const user = client()
    const signed = await user.auth.signUp({ email: 'builder@example.com', password: 'secret-pass' })
    t.error(signed.error)
    t.error((await user.from('todos').insert({ title: 'builder private' })).error)
    const anon = client()
    const live = (pgstack: ReturnType<typeof client>) =>
      pgstack
        .from('todos')
        .select('id, title, done, owner, created_at')
        .eq('done', false)
        .order('created_at', { ascending: false })
        .order('id')
        .live()
    const userQuery = live(user) as LiveQuery<Row>
    const anonQuery = live(anon) as LiveQuery<Row>
    const answered = (q: LiveQuery<Row>) => q.state === 'live' || q.state === 'error'
    await until(() => answered(userQuery) && answered(anonQuery), 'an answer')
    t.same(
      [userQuery.error ?? null, anonQuery.error ?? null],
      [null, null],
      'no error (not PGSL008)',
    )
    await until(() => userQuery.state === 'live' && anonQuery.state === 'live', 'both live')
    await sameAsFresh(user, userQuery, "the user's snapshot")
    await sameAsFresh(anon, anonQuery, "anon's snapshot")
    t.ok(userQuery.rows.length > 0, 'rows arrive')
    t.ok(
      userQuery.rows.some((r) => r.title === 'builder private'),
      'the user sees their row',
    )
    t.notOk(
      anonQuery.rows.some((r) => r.title === 'builder private'),
      "anon does not see the user's row",
    )

    for (let round = 0; round < 3; round++) {
      await stack.sql(`INSERT INTO todos (title) VALUES ('b${round} a'), ('b${round} b')`)
      await stack.sql(`UPDATE todos SET done = NOT done WHERE title = 'b${round} a' OR id = 2`)
      await stack.sql(`UPDATE todos SET title = title || '!' WHERE title = 'b${round} b'`)
      if (round > 0) await stack.sql(`DELETE FROM todos WHERE title LIKE 'b${round - 1}%'`)
      await sameAsFresh(user, userQuery, `user round ${round}`)
      await sameAsFresh(anon, anonQuery, `anon round ${round}`)
    }
    t.ok(
      userQuery.rows.some((r) => r.title === `b2 b!`),
      'an updated row is there',
    )
    t.notOk(
      userQuery.rows.some((r) => r.title.startsWith('b1')),
      'deleted rows are gone',
    )
    t.notOk(
      anonQuery.rows.some((r) => r.title === 'builder private'),
      'still hidden from anon',
    )
    userQuery.close()
    anonQuery.close()
  },
)

t.test(
  'builder .live() with an embed: the embed is a JSON column that follows its rows',
  async (t) => {
    const pgstack = client()
    const freshTags = async () =>
      (await pgstack.from('tags').select('id, name, todos(title)').order('id')).data
    const query = pgstack
      .from('tags')
      .select('id, name, todos(title)')
      .order('id')
      .live() as unknown as LiveQuery<{ id: number; name: string; todos: { title: string } | null }>
    await until(() => query.state === 'live' || query.state === 'error', 'an answer')
    t.equal(query.error ?? null, null)
    const snapshot = canon(await freshTags())
    await until(() => canon(query.rows) === snapshot, 'the snapshot')
    t.ok(
      query.rows.some((r) => r.todos !== null),
      'embedded rows arrive as JSON',
    )
    await stack.sql("INSERT INTO tags (todo_id, name) VALUES (3, 'embedded')")
    await stack.sql("UPDATE todos SET title = 'renamed for embed' WHERE id = 3")
    await stack.sql('SELECT pgr.wait_idle()')
    const expected = canon(await freshTags())
    t.ok(expected.includes('renamed for embed'))
    await until(
      () => canon(query.rows) === expected,
      'the embed follows an update of the embedded table',
    )
    query.close()
  },
)

t.test(
  "useLiveQuery('active_todos', { url, token }) against the hub, with the global WebSocket",
  async (t) => {
    const globals = globalThis as { WebSocket?: unknown }
    const previous = globals.WebSocket
    globals.WebSocket = WebSocket
    t.teardown(() => void (globals.WebSocket = previous))
    const url = stack.url.replace('http', 'ws')
    const token = stack.anonKey
    let last: LiveQueryResult<Row> | undefined
    function Todos() {
      last = useLiveQuery<Row>('active_todos', { url, token, params: [false] })
      return createElement(
        'ul',
        null,
        ...last.rows.map((todo) => createElement('li', { key: todo.id }, todo.title)),
      )
    }
    let renderer!: TestRenderer.ReactTestRenderer
    act(() => {
      renderer = TestRenderer.create(createElement(Todos))
    })
    const anon = client()
    const waitRendered = async (what: string) => {
      await stack.sql('SELECT pgr.wait_idle()')
      const expected = canon(await fresh(anon))
      const end = Date.now() + 10_000
      while (canon(last?.rows) !== expected) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
        await act(() => new Promise((resolve) => setTimeout(resolve, 10)))
      }
    }
    await waitRendered('the snapshot')
    t.equal(last?.state, 'live')
    await stack.sql("INSERT INTO todos (title) VALUES ('from react test')")
    await waitRendered('the insert')
    const items = (renderer.toJSON() as { children: Array<{ children: string[] }> }).children.map(
      (li) => li.children[0],
    )
    t.equal(items[0], 'from react test', 'the newest todo renders first')
    await act(async () => renderer.unmount())
  },
)

/** A TCP proxy to the hub whose connections the test can cut, and refuse while `down`. */
async function tcpProxy(port: number) {
  const sockets = new Set<Socket>()
  let down = false
  const server = createServer((client) => {
    if (down) return void client.destroy()
    const upstream = connect(port, '127.0.0.1')
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(a)
      a.pipe(b)
      a.on('error', () => b.destroy())
      a.on('close', () => {
        sockets.delete(a)
        b.destroy()
      })
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    cut(refuse: boolean) {
      down = refuse
      for (const socket of sockets) socket.destroy()
    },
    close() {
      down = true
      for (const socket of sockets) socket.destroy()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

t.test(
  'a dropped connection reconnects by itself and resumes; writes made while away arrive',
  async (t) => {
    const proxy = await tcpProxy(stack.hub.port)
    t.teardown(() => proxy.close())
    const pgstack = stack.client({
      live: {
        url: proxy.url,
        transport: websocketTransport({
          WebSocket: WebSocket as unknown as WebSocketConstructor,
          reconnect: { minMs: 50, maxMs: 200 },
        }),
      },
    })
    const query = pgstack.live<Row>('active_todos', { params: [false] })
    const states: string[] = []
    query.subscribe((q) => void (states.at(-1) !== q.state && states.push(q.state)))
    await until(() => query.state === 'live', 'live')
    await sameAsFresh(pgstack, query, 'the snapshot')

    proxy.cut(true)
    await until(() => query.state === 'reconnecting', 'reconnecting')
    const kept = query.rows.length
    await stack.sql("INSERT INTO todos (title) VALUES ('while away 1'), ('while away 2')")
    await stack.sql("UPDATE todos SET done = true WHERE title = 'while away 1'")
    t.equal(query.rows.length, kept, 'rows are kept while disconnected')
    proxy.cut(false)
    await until(() => query.state === 'live', 'live again')
    await sameAsFresh(pgstack, query, 'rows after resuming')
    t.ok(query.rows.some((r) => r.title === 'while away 2'))
    t.notOk(query.rows.some((r) => r.title === 'while away 1'))

    // Twice more, to be sure reconnecting is not a one-off.
    for (const round of [1, 2]) {
      proxy.cut(false)
      await stack.sql(`INSERT INTO todos (title) VALUES ('cut ${round}')`)
      await sameAsFresh(pgstack, query, `after cut ${round}`)
    }
    t.same(states.slice(0, 3), ['live', 'reconnecting', 'live'])
    query.close()
  },
)

t.test('numbers past 2^53: plain JSON numbers as PostgREST clients get them, or every digit with parseExactJson', async (t) => {
  await stack.sql(`CREATE TABLE ledger (id bigint PRIMARY KEY, amount numeric NOT NULL);
    GRANT SELECT ON ledger TO anon;
    INSERT INTO ledger VALUES (9007199254740992, 1.50), (9007199254740993, 12345678901234567890.5);
    SELECT pgr.define('ledger', 'SELECT id, amount FROM ledger ORDER BY id')`)
  const exact = stack.client({
    live: { transport: websocketTransport({ WebSocket: WebSocket as unknown as WebSocketConstructor, parse: parseExactJson }) },
  })
  const plain = client()
  const exactRows = exact.live<{ id: string; amount: string | number }>('ledger')
  const plainRows = plain.live<{ id: number; amount: number }>('ledger')
  t.teardown(() => {
    exactRows.close()
    plainRows.close()
    exact.close()
    plain.close()
  })
  await until(() => exactRows.rows.length === 2 && plainRows.rows.length === 2, 'both snapshots')
  t.same(exactRows.rows, [{ id: '9007199254740992', amount: 1.5 }, { id: '9007199254740993', amount: '12345678901234567890.5' }])
  t.equal(plainRows.rows.length, 2, 'two bigint keys one apart stay two rows')
  await stack.sql('UPDATE ledger SET amount = 2 WHERE id = 9007199254740993')
  await until(() => exactRows.rows[1]?.amount === 2, 'the update of the second key')
  t.same(exactRows.rows, [{ id: '9007199254740992', amount: 1.5 }, { id: '9007199254740993', amount: 2 }], 'the update reached its own key')
  await until(() => plainRows.rows[1]?.amount === 2, 'the update, plain')
  t.equal(plainRows.rows[0]!.amount, 1.5, 'the other key untouched')

  // and the other way: a bigint parameter reaches PostgreSQL with every digit
  await stack.sql(`SELECT pgr.define('ledger_one', 'SELECT id::text AS id FROM ledger WHERE id = $1', '{bigint}')`)
  const one = plain.live<{ id: string }>('ledger_one', { params: [9007199254740993n] })
  t.teardown(() => one.close())
  await until(() => one.rows.length > 0, 'the bigint parameter\'s row')
  t.same(one.rows, [{ id: '9007199254740993' }], 'a bigint parameter selects its own row, not …992')
})
