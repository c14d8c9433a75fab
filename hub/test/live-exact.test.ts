import t from 'tap'
import pg from 'pg'
import { startTestHub } from '@pgstack/hub/testing'
import { runExactScenario } from './live-exact-scenario.ts'

// A few fixed seeds here; `node --conditions=@pgstack/source --import tsx bench/live/exact.ts` runs longer (LIVE_SEED replays one).
const SEEDS = process.env.LIVE_SEED ? [Number(process.env.LIVE_SEED)] : [11, 12, 13]

for (const seed of SEEDS) {
  t.test(`seed ${seed}: after random transactions (rollbacks, savepoints, a resuming client) every subscriber's rows are a fresh SELECT's, in its order, digit for digit`, async (t) => {
    const hub = await startTestHub(t, { env: { PGSTACK_LIVE_FEED_LINGER_MS: '0' } })
    const failures: string[] = []
    const { compared, writes } = await runExactScenario({
      url: hub.url,
      adminUrl: hub.db.adminUrl,
      serviceKey: hub.serviceKey,
      signToken: (claims) => hub.signToken(claims),
      seed,
      rounds: 4,
      transactions: 8,
      check: (ok, what, detail) => {
        if (!ok) failures.push(`${what}: ${detail}`)
      },
      onTeardown: (fn) => t.teardown(fn),
    })
    t.same(failures, [], `${compared} comparisons after ${writes} writes`)
  })
}

t.test('a query pg_reactive refuses at define time keeps PostgreSQL\'s own error', async (t) => {
  const hub = await startTestHub(t)
  const admin = new pg.Client({ connectionString: hub.db.adminUrl })
  await admin.connect()
  t.teardown(() => admin.end())
  await admin.query('CREATE TABLE doc (id int PRIMARY KEY, body json)')
  await t.rejects(admin.query("SELECT pgr.define('distinct_json', 'SELECT DISTINCT body FROM doc')"), { code: '42883' })
})
