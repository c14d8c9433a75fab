// Randomized exactness check of the live path (issue 12), shared by hub/test/live-exact.test.ts
// (fixed seeds) and bench/live/exact.ts (a longer run): types whose order or digits JavaScript
// gets wrong, queries of every shape, random transactions with rollbacks, a client that drops
// and resumes. After each round every subscriber's rows must equal a fresh SELECT as its role
// rendered as PostgREST renders it (row_to_json): PostgreSQL's order (rows that tie on the ORDER
// BY compared as multisets) and every row's JSON text — its keys in the query's column order,
// json columns as written, -0, every digit. Frames are read with a lossless parser, so a lost
// digit or a reordered key shows.
import pg from 'pg'
import { isLosslessNumber, parse, stringify } from 'lossless-json'
import { LiveTestClient, type Message, type Mirror } from './live-client.ts'

export const EXACT_SCHEMA = `
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE item (
  id bigint PRIMARY KEY, owner text NOT NULL, grp int NOT NULL, mood mood NOT NULL,
  label text COLLATE "C" NOT NULL, label_sv text COLLATE "sv-x-icu" NOT NULL, tags int[] NOT NULL,
  score float8, amount numeric, doc jsonb, raw json, pos point);
CREATE TABLE cat (cid int PRIMARY KEY, item_id bigint NOT NULL, name text NOT NULL);
CREATE TABLE pair (a int, b int, note text NOT NULL, PRIMARY KEY (a, b));
CREATE TABLE event (kind text NOT NULL, n int NOT NULL);
ALTER TABLE item ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON item TO authenticated USING (owner = current_setting('request.jwt.claims', true)::jsonb ->> 'sub');
CREATE POLICY every ON item TO service_role USING (true);
GRANT SELECT ON item, cat, pair, event TO authenticated, service_role;
`

/** A live query, the role it is read as, and the output columns its ORDER BY ties on. */
interface LiveCase {
  name: string
  sql: string
  types?: string
  params?: unknown[]
  /** Output columns holding the ORDER BY's values ([]: no ORDER BY, the rows are a multiset). */
  tie: string[]
  /** LIMIT/OFFSET: which of the rows tied at the cut are in is PostgreSQL's choice; only their count is compared. */
  cut?: boolean
}

export const CASES: LiveCase[] = [
  { name: 'x_enum', sql: 'SELECT id, label, mood FROM item ORDER BY mood, id', tie: ['mood', 'id'] },
  { name: 'x_arrays', sql: 'SELECT id, tags FROM item ORDER BY tags DESC, id', tie: ['tags', 'id'] },
  { name: 'x_text_c', sql: 'SELECT id, label FROM item ORDER BY label, id', tie: ['label', 'id'] },
  { name: 'x_text_sv', sql: 'SELECT id, label_sv FROM item ORDER BY label_sv DESC, id', tie: ['label_sv', 'id'] },
  { name: 'x_floats', sql: 'SELECT id, score FROM item ORDER BY score NULLS FIRST, id', tie: ['score', 'id'] },
  { name: 'x_join_qualified', sql: 'SELECT c.cid AS id, c.name, i.id AS item_id, i.amount FROM cat c JOIN item i ON i.id = c.item_id ORDER BY i.id DESC, c.cid', tie: ['item_id', 'id'] },
  { name: 'x_group', sql: 'SELECT mood, count(*) AS n, sum(amount) AS total, max(score) AS top FROM item GROUP BY mood ORDER BY mood DESC', tie: ['mood'] },
  { name: 'x_limit_ties', sql: 'SELECT id, grp, amount FROM item ORDER BY grp LIMIT 4 OFFSET 1', tie: ['grp'], cut: true },
  { name: 'x_distinct_on', sql: 'SELECT DISTINCT ON (owner) owner, id, label FROM item ORDER BY owner, id DESC', tie: ['owner'] },
  { name: 'x_window', sql: 'SELECT id, grp, row_number() OVER (PARTITION BY grp ORDER BY id) AS rn, sum(amount) OVER (PARTITION BY grp) AS grp_total FROM item ORDER BY grp, rn', tie: ['grp', 'rn'] },
  { name: 'x_cte', sql: 'WITH big AS (SELECT id, amount FROM item WHERE amount > 0) SELECT id, amount FROM big ORDER BY amount DESC, id', tie: ['amount', 'id'] },
  { name: 'x_exists_expr', sql: 'SELECT i.id, i.label, lower(i.label) AS low FROM item i WHERE EXISTS (SELECT 1 FROM cat c WHERE c.item_id = i.id) ORDER BY lower(i.label), i.id', tie: ['low', 'id'] },
  { name: 'x_union', sql: "SELECT 'item' AS src, id::text AS ref FROM item WHERE grp = 0 UNION ALL SELECT 'event', kind FROM event ORDER BY src, ref", tie: ['src', 'ref'] },
  { name: 'x_keyless', sql: 'SELECT kind, n FROM event', tie: [] },
  { name: 'x_composite', sql: 'SELECT a, b, note FROM pair ORDER BY note, a, b', tie: ['note', 'a', 'b'] },
  { name: 'x_param', sql: 'SELECT id, mood, doc, raw, pos, amount FROM item WHERE mood = $1 ORDER BY id', types: '{mood}', params: ['ok'], tie: ['id'] },
  { name: 'x_mine', sql: 'SELECT id, owner, amount FROM item ORDER BY amount NULLS FIRST, id', tie: ['amount', 'id'] },
]

const BASE = 9007199254740990n
const LABELS = ['a', 'B', 'ä', 'z', 'é', 'Ω', '\u{E000}', '\u{FFFD}', '😀', 'ab', 'a b', '', 'Zebra', 'ö']
const TAGS = ['{10}', '{2}', '{9}', '{2,10}', '{}', '{-1,null}']
const SCORES = ['NaN', 'Infinity', '-Infinity', '-0', '0', '1.5', '-2.25', '1e-300', null]
const AMOUNTS = ['1234567890123456789012345', '0.1000000000000000000000001', '12345678901234567890.5', '1.50', '1.5', '-0.001', '9007199254740993', null]
const DOCS = ['{"a": 12345678901234567891}', '{"b": [1.50, 2e3]}', '{"c": "😀"}', null]
const RAWS = ['{"z":1,  "a":[2,3]}', '[1.0, 12345678901234567890]', null]
const POINTS = ['(1.5,-2)', '(0,0)', null]
const OWNERS = ['ann', 'bob', 'public']

/** A small deterministic PRNG, so a failure can be replayed from its seed. */
export function prng(seed: number): () => number {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0
    return seed / 2 ** 32
  }
}

/** Frames as they came: numbers keep their text (message fields the client counts with are made numbers). */
export function exactParse(text: string): unknown {
  const m = parse(text) as Record<string, unknown>
  for (const field of ['feed', 'seq']) if (isLosslessNumber(m[field])) m[field] = Number((m[field] as { value: string }).value)
  return m
}

export interface ExactOptions {
  url: string
  adminUrl: string
  serviceKey: string
  signToken(claims: Record<string, unknown>): Promise<string>
  seed: number
  rounds: number
  /** Transactions per writer per round. */
  transactions: number
  /** Called once per compared subscription and round. */
  check(ok: boolean, what: string, detail: string): void
  onTeardown(fn: () => unknown): void
}

type Viewer = 'service' | 'ann' | 'bob'

export async function runExactScenario(o: ExactOptions): Promise<{ compared: number; writes: number; rollbacks: number }> {
  const random = prng(o.seed)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!
  const admin = new pg.Client({ connectionString: o.adminUrl })
  await admin.connect()
  o.onTeardown(() => admin.end())
  await admin.query(EXACT_SCHEMA)
  for (let i = 0; i < 12; i++) await admin.query(insertItem(i), itemValues(i))
  for (const c of CASES) await admin.query('SELECT pgr.define($1, $2, $3::regtype[])', [c.name, c.sql, c.types ?? null])

  const tokens: Record<Viewer, string> = {
    service: o.serviceKey,
    ann: await o.signToken({ role: 'authenticated', sub: 'ann' }),
    bob: await o.signToken({ role: 'authenticated', sub: 'bob' }),
  }
  const open = async (viewer: Viewer) => {
    const client = await LiveTestClient.open(o.url, tokens[viewer], exactParse)
    o.onTeardown(() => client.close())
    await client.next((m) => m.type === 'welcome')
    return client
  }
  // who reads what: the service role everything, each user their own rows; a second service
  // client that drops and resumes mid-run
  const views: Array<{ viewer: Viewer; client: LiveTestClient; c: LiveCase; id: string }> = []
  const service = await open('service')
  for (const c of CASES) if (c.name !== 'x_mine') views.push({ viewer: 'service', client: service, c, id: c.name })
  for (const viewer of ['ann', 'bob'] as const) views.push({ viewer, client: await open(viewer), c: CASES.at(-1)!, id: 'x_mine' })
  let resumer = await open('service')
  const resumed = CASES.filter((c) => ['x_enum', 'x_keyless', 'x_limit_ties', 'x_union'].includes(c.name))
  for (const c of resumed) views.push({ viewer: 'service', client: resumer, c, id: `r_${c.name}` })
  for (const v of views) v.client.subscribe(v.id, v.c.name, v.c.params ?? [])
  for (const v of views) await v.client.until(() => v.client.subs.get(v.id)!.state === 'live', 10_000, `${v.id} live`)

  const writers = await Promise.all([0, 1].map(async () => {
    const c = new pg.Client({ connectionString: o.adminUrl })
    await c.connect()
    o.onTeardown(() => c.end())
    return c
  }))
  let writes = 0
  let rollbacks = 0
  const statement = (): [string, unknown[]] => {
    const i = Math.floor(random() * 16)
    const r = random()
    if (r < 0.25) return [insertItem(i) + ' ON CONFLICT (id) DO UPDATE SET grp = EXCLUDED.grp, mood = EXCLUDED.mood, score = EXCLUDED.score', itemValues(i)]
    if (r < 0.55) {
      const [column, value] = pick<[string, unknown]>([
        ['label', pick(LABELS)], ['label_sv', pick(LABELS)], ['mood', pick(['sad', 'ok', 'happy'])], ['tags', pick(TAGS)],
        ['score', pick(SCORES)], ['amount', pick(AMOUNTS)], ['doc', pick(DOCS)], ['raw', pick(RAWS)], ['pos', pick(POINTS)],
        ['grp', Math.floor(random() * 3)], ['owner', pick(OWNERS)],
      ])
      return [`UPDATE item SET ${column} = $2 WHERE id = $1`, [String(BASE + BigInt(i)), value]]
    }
    if (r < 0.62) return ['DELETE FROM item WHERE id = $1', [String(BASE + BigInt(i))]]
    if (r < 0.72) return ['INSERT INTO cat VALUES ($1, $2, $3) ON CONFLICT (cid) DO UPDATE SET item_id = EXCLUDED.item_id', [Math.floor(random() * 8), String(BASE + BigInt(i)), pick(LABELS)]]
    if (r < 0.76) return ['DELETE FROM cat WHERE cid = $1', [Math.floor(random() * 8)]]
    if (r < 0.84) return ['INSERT INTO event VALUES ($1, $2)', [pick(['x', 'y', 'ä']), Math.floor(random() * 2)]]
    if (r < 0.88) return ['DELETE FROM event WHERE ctid = (SELECT ctid FROM event WHERE kind = $1 LIMIT 1)', [pick(['x', 'y', 'ä'])]]
    if (r < 0.96) return ['INSERT INTO pair VALUES ($1, $2, $3) ON CONFLICT (a, b) DO UPDATE SET note = EXCLUDED.note', [Math.floor(random() * 3), Math.floor(random() * 3), pick(LABELS)]]
    return ['DELETE FROM pair WHERE a = $1', [Math.floor(random() * 3)]]
  }
  const transaction = async (c: pg.Client) => {
    try {
      await c.query('BEGIN')
      for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
        const [text, values] = statement()
        await c.query(text, values)
        writes++
      }
      if (random() < 0.3) {
        await c.query('SAVEPOINT s')
        const [text, values] = statement()
        await c.query(text, values)
        await c.query('ROLLBACK TO SAVEPOINT s')
      }
      if (random() < 0.2) {
        await c.query('ROLLBACK')
        rollbacks++
      } else {
        await c.query('COMMIT')
      }
    } catch {
      await c.query('ROLLBACK') // a deadlock between the two writers: that transaction is lost
      rollbacks++
    }
  }

  let compared = 0
  for (let round = 0; round < o.rounds; round++) {
    if (round === Math.floor(o.rounds / 2)) {
      // the resuming client drops, misses a round of writes, and comes back with its sequences
      const saved = new Map<string, Mirror>(resumed.map((c) => [`r_${c.name}`, copyMirror(resumer.subs.get(`r_${c.name}`)!)]))
      resumer.close()
      await Promise.all(writers.map(async (c) => {
        for (let i = 0; i < o.transactions; i++) await transaction(c)
      }))
      resumer = await open('service')
      for (const v of views) if (v.id.startsWith('r_')) v.client = resumer
      for (const [id, mirror] of saved) {
        resumer.subs.set(id, { ...mirror, state: 'authorizing' })
        const c = resumed.find((x) => `r_${x.name}` === id)!
        resumer.subscribe(id, c.name, c.params ?? [], mirror.feed === null ? undefined : { feed: mirror.feed, seq: mirror.seq })
      }
    }
    await Promise.all(writers.map(async (c) => {
      for (let i = 0; i < o.transactions; i++) await transaction(c)
    }))
    await admin.query('SELECT pgr.wait_idle()')
    for (const v of views) {
      await settle(admin, v.client, v.id)
      const fresh = await freshRows(admin, v.viewer, v.c)
      const result = compare(v.client.rows(v.id), fresh, v.c)
      o.check(result === null, `round ${round}: ${v.viewer} ${v.id} equals a fresh SELECT`, result ?? '')
      compared++
    }
  }
  return { compared, writes, rollbacks }
}

/** The mirror as it stood (rows shared, not cloned: their lossless numbers must stay what they are). */
function copyMirror(mirror: Mirror): Mirror {
  return { ...mirror, entries: mirror.entries.map((entry) => ({ ...entry })) }
}

function insertItem(i: number): string {
  void i
  return 'INSERT INTO item VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)'
}

function itemValues(i: number): unknown[] {
  const at = (list: readonly unknown[]) => list[i % list.length]
  return [String(BASE + BigInt(i)), OWNERS[i % 3], i % 3, ['sad', 'ok', 'happy'][(i * 7) % 3], at(LABELS), LABELS[(i * 5) % LABELS.length],
    at(TAGS), at(SCORES), at(AMOUNTS), at(DOCS), at(RAWS), at(POINTS)]
}

async function settle(admin: pg.Client, client: LiveTestClient, id: string): Promise<void> {
  const sub = client.subs.get(id)!
  await client.until(() => sub.feed !== null && sub.state === 'live', 10_000, `${id} live`)
  const { rows } = await admin.query<{ seq: string }>('SELECT seq FROM pgr.feed WHERE id = $1', [sub.feed])
  const seq = Number(rows[0]!.seq)
  await client.until(() => sub.seq >= seq, 10_000, `${id} at seq ${seq} (is at ${sub.seq})`)
}

/** The query's rows as the viewer's role sees them now, each as PostgREST's JSON text of it (row_to_json). */
async function freshRows(admin: pg.Client, viewer: Viewer, c: LiveCase): Promise<string[]> {
  await admin.query('BEGIN')
  try {
    await admin.query(viewer === 'service' ? 'SET LOCAL ROLE service_role' : 'SET LOCAL ROLE authenticated')
    await admin.query("SELECT set_config('request.jwt.claims', $1, true)", [JSON.stringify({ role: viewer === 'service' ? 'service_role' : 'authenticated', sub: viewer })])
    const { rows } = await admin.query<{ row: string }>(`SELECT row_to_json(q)::text AS row FROM (${c.sql}) q`, c.params ?? [])
    return rows.map((r) => r.row)
  } finally {
    await admin.query('COMMIT')
  }
}

/** null when equal; otherwise what differs. */
function compare(client: ReadonlyArray<Record<string, unknown>>, fresh: string[], c: LiveCase): string | null {
  const mine = client.map((row) => stringify(row)!)
  const theirs = fresh.map((text) => stringify(parse(text))!)
  const tieOf = (text: string) => stringify(c.tie.map((column) => (parse(text) as Record<string, unknown>)[column] ?? null))!
  const groups = (rows: string[]) => {
    const out: Array<{ tie: string; rows: string[] }> = []
    for (const row of rows) {
      const tie = tieOf(row)
      if (out.at(-1)?.tie === tie) out.at(-1)!.rows.push(row)
      else out.push({ tie, rows: [row] })
    }
    return out
  }
  const a = groups(mine)
  const b = groups(theirs)
  const show = () => `\n  live:  ${mine.join('\n         ')}\n  fresh: ${theirs.join('\n         ')}`
  if (a.length !== b.length) return `${a.length} tie groups, a fresh SELECT has ${b.length}${show()}`
  for (let g = 0; g < a.length; g++) {
    if (a[g]!.tie !== b[g]!.tie || a[g]!.rows.length !== b[g]!.rows.length) return `group ${g} differs${show()}`
    if (c.cut && (g === 0 || g === a.length - 1)) continue
    if ([...a[g]!.rows].sort().join('\n') !== [...b[g]!.rows].sort().join('\n')) return `rows of group ${g} differ${show()}`
  }
  return null
}

export type { Message }
