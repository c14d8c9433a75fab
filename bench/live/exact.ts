// The live path's exactness under a longer random run than `npm test` makes (issue 12): the
// scenario of hub/test/live-exact-scenario.ts — enums, arrays, float specials, collations, bigint
// keys past 2^53, 25-digit numerics, joins, GROUP BY, LIMIT with ties, DISTINCT ON, windows, CTEs,
// UNION ALL, RLS per user, random transactions with rollbacks, a resuming client — for SEEDS
// seeds of ROUNDS rounds. Prints every mismatch and one summary line; exits 1 on any mismatch.
// Run: node --conditions=@pgstack/source --import tsx bench/live/exact.ts   Env: SEEDS (default 5), ROUNDS (default 12),
// TRANSACTIONS (per writer per round, default 25), LIVE_SEED (replay one seed).
import { loadavg } from 'node:os'
import { SignJWT } from 'jose'
import { ensureExtensionInstalled, findPgBinaries } from '@pgstack/infra'
import { signApiKeys } from '@pgstack/hub'
import { startBenchCluster } from '../lib/bench-cluster.ts'
import { startBenchHub } from '../lib/bench-hub.ts'
import { runExactScenario } from '../../hub/test/live-exact-scenario.ts'

const SEEDS = process.env.LIVE_SEED ? [Number(process.env.LIVE_SEED)] : Array.from({ length: Number(process.env.SEEDS ?? 5) }, (_, i) => 1000 + i)
const ROUNDS = Number(process.env.ROUNDS ?? 12)
const TRANSACTIONS = Number(process.env.TRANSACTIONS ?? 25)

const bins = findPgBinaries()
ensureExtensionInstalled(bins, (line) => console.error(line))
let failures = 0
let compared = 0
let writes = 0
let rollbacks = 0
const started = performance.now()
for (const seed of SEEDS) {
  const bench = await startBenchCluster('exact', { preloadLibraries: ['pg_reactive'] })
  const teardown: Array<() => unknown> = []
  try {
    const { hub, secret } = await startBenchHub(bench.cluster, { PGSTACK_LIVE_FEED_LINGER_MS: '0' })
    teardown.push(() => hub.close())
    const { serviceKey } = await signApiKeys(secret, Math.floor(Date.now() / 1000))
    const key = new TextEncoder().encode(secret)
    const result = await runExactScenario({
      url: hub.url,
      adminUrl: bench.cluster.adminUrl('bench'),
      serviceKey,
      signToken: (claims) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt().setExpirationTime('1h').sign(key),
      seed,
      rounds: ROUNDS,
      transactions: TRANSACTIONS,
      check: (ok, what, detail) => {
        if (ok) return
        failures++
        console.log(`seed ${seed}: ${what}: ${detail}`)
      },
      onTeardown: (fn) => teardown.unshift(fn),
    })
    compared += result.compared
    writes += result.writes
    rollbacks += result.rollbacks
  } finally {
    for (const fn of teardown) await fn()
    await bench.dispose()
  }
}
const seconds = (performance.now() - started) / 1000
console.log(
  `live exactness: ${failures} mismatches in ${compared} comparisons (${SEEDS.length} seeds × ${ROUNDS} rounds, ${writes} statements, ` +
    `${rollbacks} transactions rolled back) in ${seconds.toFixed(0)} s | load avg ${loadavg()[0]!.toFixed(1)} | ` +
    'baseline: before issue 12 the hub re-sorted and JSON.parsed rows (wrong enum, array, collation and -Infinity order; bigint keys merged; digits lost)',
)
process.exit(failures === 0 ? 0 : 1)
