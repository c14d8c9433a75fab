// The routing scenarios of the live bench (issue 16): the two live queries that used to cost
// every subscriber's evaluation on each write, measured with pg_reactive.routing on and off in
// the same run, over the same subscribers:
//   user-*  per-user feeds: `SELECT … FROM items ORDER BY seq DESC LIMIT 25` under the policy
//           owner = (claims->>'sub')::int, 100,000 rows over 1,000 (10,000) owners, one user each
//   room-*  one security context: `… WHERE owner = $1 ORDER BY seq DESC LIMIT 25`, params [room]
// Each write moves a random row of a random subscribed owner (room) to the top, so every write is
// a delta for its subscribers. Beside commit → client latency: the pg_reactive worker's CPU per
// write and in cores (pgr.worker_stats(), its own getrusage), which no other process on a shared
// machine can blur.
import { loadavg } from 'node:os'
import pg from 'pg'

export interface RoutingScenario {
  scenario: 'user' | 'room'
  clients: number
  rate: number
  /** items (1,000 owners) or items_10k (10,000 owners), 100 rows each or 10 */
  table: 'items' | 'items_10k'
  /** owners (users) or rooms the subscribers are spread over */
  groups: number
}

export const ROUTING_SCENARIOS: Record<string, RoutingScenario> = {
  'user-1k': { scenario: 'user', clients: 1000, rate: 20, table: 'items', groups: 1000 },
  'user-10k': { scenario: 'user', clients: 10_000, rate: 100, table: 'items_10k', groups: 10_000 },
  'room-1000-20': { scenario: 'room', clients: 1000, rate: 20, table: 'items', groups: 1000 },
  'room-1000': { scenario: 'room', clients: 1000, rate: 100, table: 'items', groups: 1000 },
  'room-100x10': { scenario: 'room', clients: 1000, rate: 100, table: 'items', groups: 100 },
}

/** The issue's figures for the full-evaluation path (independent harness, Dec 2026), and its targets. */
export const ROUTING_BASELINE =
  'issue 16, before routing: per user 1,000 subs 20 w/s p50 72–86 ms p99 127–149 ms, PostgreSQL 1.02 cores (worker 66–68 ms CPU a cycle); ' +
  'rooms K=1,000 20 w/s p50 162 ms p99 221 ms (103–109 ms a cycle); K=100 100 w/s p99 24 ms at 1.03 cores; trigger + NOTIFY floor p99 2–4 ms. ' +
  'Targets: user-1k p99 ≤ 20 ms and worker ≤ 0.1 core; user-10k p99 ≤ 50 ms; room-1000 and room-100x10 p99 ≤ 20 ms; CPU per write at 10k feeds within 2× of 1k'

/** Both tables, their policies and the live queries the scenarios subscribe to. */
export async function createRoutingTables(db: pg.Client): Promise<void> {
  for (const [table, owners] of [['items', 1000], ['items_10k', 10_000]] as const) {
    await db.query(`
      CREATE SEQUENCE ${table}_seq;
      CREATE TABLE ${table} (id int PRIMARY KEY, owner int NOT NULL, n int NOT NULL DEFAULT 0, seq bigint NOT NULL);
      INSERT INTO ${table} SELECT g, g % ${owners}, 0, nextval('${table}_seq') FROM generate_series(1, 100000) g;
      CREATE INDEX ON ${table} (owner, seq);
      ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
      CREATE POLICY mine ON ${table} TO authenticated
        USING (owner = (current_setting('request.jwt.claims', true)::json ->> 'sub')::int);
      CREATE POLICY rooms ON ${table} TO anon USING (true);
      GRANT SELECT ON ${table} TO anon, authenticated;
      SELECT pgr.define('${table}_top', 'SELECT id, owner, n, seq FROM ${table} ORDER BY seq DESC LIMIT 25');
      SELECT pgr.define('${table}_room', 'SELECT id, owner, n, seq FROM ${table} WHERE owner = $1 ORDER BY seq DESC LIMIT 25', '{int}');
    `)
    await db.query(`VACUUM ANALYZE ${table}`)
  }
}

interface LeadFigures {
  writes: number
  writingSeconds: number
  samples: number
  p50: number
  p95: number
  p99: number
  max: number
  notifyP50: number
  notifyP99: number
  writeP50: number
  writeP99: number
  unanswered: number
}

const fmt = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '–')

/**
 * One scenario's subscribers are connected and warm: run the lead's writes once per routing mode
 * and describe each run in a line.
 */
export async function measureRoutingModes(
  name: string,
  s: RoutingScenario,
  adminUrl: string,
  go: () => Promise<LeadFigures>,
  modes: string[],
): Promise<string[]> {
  const db = new pg.Client({ connectionString: adminUrl })
  await db.connect()
  const stats = async () =>
    (await db.query<{ cycles: string; cpu_ms: number }>('SELECT cycles, cpu_ms FROM pgr.worker_stats()')).rows[0]!
  const lines: string[] = []
  try {
    for (const mode of modes) {
      await db.query(`ALTER SYSTEM SET pg_reactive.routing = ${mode === 'off' ? 'off' : 'on'}`)
      await db.query('SELECT pg_reload_conf()')
      await new Promise((r) => setTimeout(r, 500))
      await db.query('SELECT pgr.wait_idle(300000)')
      const before = await stats()
      const hubCpu = process.cpuUsage()
      const t0 = performance.now()
      const r = await go()
      await db.query('SELECT pgr.wait_idle(300000)')
      const after = await stats()
      const cpuMs = after.cpu_ms - before.cpu_ms
      const cycles = Number(after.cycles) - Number(before.cycles)
      const hub = process.cpuUsage(hubCpu)
      const perGroup = s.clients / Math.min(s.groups, s.clients)
      lines.push(
        `${name.padEnd(12)} routing ${mode.padEnd(3)} ${String(s.clients).padStart(6)} subs ${String(s.rate).padStart(3)} w/s | ` +
          `commit→client p50 ${fmt(r.p50, 1)} ms  p95 ${fmt(r.p95, 1)} ms  p99 ${fmt(r.p99, 1)} ms  max ${fmt(r.max, 1)} ms ` +
          `(${r.samples} of ${Math.round(r.writes * perGroup)} deliveries timed${r.unanswered ? `, ${r.unanswered} rows never written` : ''}, ${r.writes} writes; ` +
          `commit→NOTIFY p50 ${fmt(r.notifyP50, 1)} p99 ${fmt(r.notifyP99, 1)} ms; both from the write's send, its round trip p50 ${fmt(r.writeP50, 1)} p99 ${fmt(r.writeP99, 1)} ms) | ` +
          `worker ${fmt(cpuMs / r.writes, 2)} ms CPU per write, ${fmt(cpuMs / 1000 / r.writingSeconds, 3)} cores, ${cycles} cycles | ` +
          `hub CPU ${fmt(((hub.user + hub.system) / 1e3 / (performance.now() - t0)) * 100, 0)}% | load avg ${loadavg()[0]!.toFixed(1)}`,
      )
      console.log(lines.at(-1))
    }
  } finally {
    await db.query('ALTER SYSTEM RESET pg_reactive.routing').catch(() => {})
    await db.query('SELECT pg_reload_conf()').catch(() => {})
    await db.end()
  }
  return lines
}
