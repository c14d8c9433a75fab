// Two hubs on one database, each holding its pg_reactive subscriptions in its own LISTEN
// connection's session: neither takes the other's while both run, and when one is killed
// pg_reactive itself removes what it held (after pg_reactive.orphan_grace, 1 s here) while the
// other carries on.
import pg from 'pg'
import t from 'tap'
import { startHubProcess, startTestHub } from '@pgstack/hub/testing'
import { createTestDatabase } from '@pgstack/infra/testing'
import { canon, LiveTestClient } from './live-client.ts'
import { FIXTURE } from './live-fixture.ts'

const OPEN = 'SELECT id, owner, title, done FROM todo WHERE done = false ORDER BY id'

t.test("two hubs on one database keep their own subscriptions; a killed hub's are removed after the grace and the other carries on", async (t) => {
  const db = await createTestDatabase(t)
  const admin = new pg.Client({ connectionString: db.adminUrl })
  await admin.connect()
  t.teardown(() => admin.end())
  // read by the database's worker when it starts (at the first subscribe)
  await admin.query(`ALTER DATABASE ${pg.escapeIdentifier(db.name)} SET pg_reactive.orphan_grace = '1s'`)
  await admin.query(FIXTURE)
  const a = await startHubProcess(t, { database: db })
  const b = await startTestHub(t, { database: db, env: { PGSTACK_LIVE_FEED_LINGER_MS: '0' } })
  const open = async (url: string, key: string) => {
    const client = await LiveTestClient.open(url, key)
    t.teardown(() => client.close())
    await client.next((m) => m.type === 'welcome')
    return client
  }
  const onA = await open(a.url, a.serviceKey)
  const onB = await open(b.url, b.serviceKey)
  // both follow the same feed; A alone another
  onA.subscribe('open', 'todos', [false])
  onA.subscribe('all', 'all_todos')
  await onA.until(() => onA.subs.get('open')!.state === 'live' && onA.subs.get('all')!.state === 'live')
  onB.subscribe('open', 'todos', [false])
  await onB.until(() => onB.subs.get('open')!.state === 'live')
  const openFeed = onB.subs.get('open')!.feed
  t.equal(onA.subs.get('open')!.feed, openFeed, 'one feed for both hubs')

  const held = async () =>
    (
      await admin.query<{ query: string; holder: number; live: boolean }>(
        `SELECT q.name AS query, s.holder_pid AS holder,
                s.orphaned_at IS NULL AND EXISTS (SELECT FROM pg_stat_activity a
                  WHERE a.pid = s.holder_pid AND a.backend_start = s.holder_start) AS live
           FROM pgr.subscription s JOIN pgr.feed f ON f.id = s.feed_id JOIN pgr.live_query q ON q.id = f.query_id
          ORDER BY q.name, s.holder_pid = $1`,
        [b.hub.listener.backendPid],
      )
    ).rows
  const hubB = b.hub.listener.backendPid!
  const before = await held()
  const hubA = before.find((s) => s.holder !== hubB)!.holder
  t.same(
    before,
    [
      { query: 'all_todos', holder: hubA, live: true },
      { query: 'todos', holder: hubA, live: true },
      { query: 'todos', holder: hubB, live: true },
    ],
    "each hub's subscriptions are held by its own LISTEN session: B's subscribe to A's feed took nothing of A's",
  )
  // the worker's housekeeping, round after round, leaves live holders alone
  await new Promise((resolve) => setTimeout(resolve, 3_000))
  t.same(await held(), before, 'nothing removed while both hubs run')

  await a.kill()
  await admin.query("INSERT INTO todo VALUES (40, 'public', 'after the kill', false)")
  let after = await held()
  for (let i = 0; i < 100 && after.length !== 1; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200))
    after = await held()
  }
  t.same(after, [{ query: 'todos', holder: hubB, live: true }], "the killed hub's subscriptions are gone, B's is kept")
  const { rows } = await admin.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pgr.feed f JOIN pgr.live_query q ON q.id = f.query_id WHERE q.name = 'all_todos'",
  )
  t.equal(rows[0]!.n, 0, 'and the feed only the killed hub followed with them')

  await admin.query('SELECT pgr.wait_idle()')
  const seq = Number((await admin.query('SELECT seq FROM pgr.feed WHERE id = $1', [openFeed])).rows[0].seq)
  const sub = onB.subs.get('open')!
  await onB.until(() => sub.seq >= seq, 10_000, `B's client at seq ${seq}`)
  t.equal(canon(onB.rows('open')), canon((await admin.query(OPEN)).rows), "B's client carries on, rows equal to a fresh SELECT")
})
