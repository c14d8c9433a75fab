// Runs one live-query test in its own database: setup, subscribe as the file's role and claims,
// then each step's write followed by pg_reactive's delta (pgr.wait_idle, pgr.changes) and the
// rows after it (pgr.apply). Expected and observed are compared by PostgreSQL as jsonb.
import pg from 'pg'
import type { Actor, LiveTest } from './format.ts'

export interface Check {
  name: string
  ok: boolean
  /** JSON text of what the file expects (null: it does not say) and of what was observed. */
  expected: string | null
  actual: string
  error?: string
}

export interface TestRun {
  checks: Check[]
  /** What to write back with --update. */
  observed: { rows: string; steps: Array<{ rows: string; deltas: string }> }
}

const short = (sql: string) => {
  const line = sql.trim().replace(/\s+/g, ' ')
  return line.length > 60 ? `${line.slice(0, 57)}…` : line
}

async function as(client: pg.Client, actor: Actor | null, sql: string): Promise<void> {
  await client.query('BEGIN')
  try {
    if (actor) {
      await client.query(`SELECT set_config('request.jwt.claims', $1, true)`, [actor.claims])
      if (actor.role) await client.query(`SELECT set_config('role', $1, true)`, [actor.role])
    }
    await client.query(sql)
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  }
}

/** Compared as jsonb; the expectation comes back in PostgreSQL's text, so a diff shows only what differs. */
async function compare(client: pg.Client, name: string, expected: string | null, actual: string): Promise<Check> {
  if (expected === null) return { name, ok: true, expected, actual }
  const { rows } = await client.query<{ same: boolean; expected: string }>('SELECT $1::jsonb = $2::jsonb AS same, $1::jsonb::text AS expected', [expected, actual])
  return { name, ok: rows[0]!.same, expected: rows[0]!.expected, actual }
}

export async function runLiveTest(url: string, test: LiveTest): Promise<TestRun> {
  const client = new pg.Client({ connectionString: url })
  client.on('error', () => {})
  await client.connect()
  const checks: Check[] = []
  const observed: TestRun['observed'] = { rows: '[]', steps: [] }
  try {
    if (test.setup) {
      try {
        await as(client, null, test.setup)
      } catch (error) {
        checks.push({ name: 'setup', ok: false, expected: null, actual: '', error: `setup failed: ${(error as Error).message}` })
        return { checks, observed }
      }
    }
    const q = test.query
    let subscription: { subscription_id: string; seq: string; rows: string; key: string[] | null }
    try {
      const role = q.role ?? 'postgres'
      const result = q.name
        ? await client.query(`SELECT subscription_id, seq, rows::text AS rows, key FROM pgr.subscribe($1, $2::jsonb, $3::name, $4::jsonb)`, [q.name, q.params, role, q.claims])
        : await client.query(`SELECT subscription_id, seq, rows::text AS rows, key FROM pgr.subscribe_sql($1, $2::jsonb, $3::name, $4::jsonb, $5::regtype[], $6::text[])`, [q.sql, q.params, role, q.claims, q.paramTypes, q.key])
      subscription = result.rows[0]
    } catch (error) {
      checks.push({ name: 'subscribe', ok: false, expected: null, actual: '', error: `subscribing failed: ${(error as Error).message}` })
      return { checks, observed }
    }
    // the worker's first pass over a new feed may send a delta: settle before the first step
    await client.query('SELECT pgr.wait_idle(10000)')
    let seq = subscription.seq
    let rows = subscription.rows
    const catchUp = async (): Promise<string> => {
      const { rows: deltas } = await client.query<{ seq: string; ops: string }>('SELECT seq, ops::text AS ops FROM pgr.changes($1, $2)', [subscription.subscription_id, seq])
      const ops: string[] = []
      for (const delta of deltas) {
        rows = (await client.query<{ rows: string }>('SELECT pgr.apply($1::jsonb, $2::jsonb, $3::text[])::text AS rows', [rows, delta.ops, subscription.key])).rows[0]!.rows
        ops.push(delta.ops.slice(1, -1).trim())
        seq = delta.seq
      }
      return `[${ops.filter(Boolean).join(', ')}]`
    }
    await catchUp()
    observed.rows = rows
    checks.push(await compare(client, 'rows after subscribing', test.rows, rows))
    for (const [i, step] of test.steps.entries()) {
      const name = `step ${i + 1}: ${short(step.sql)}`
      try {
        await as(client, step.as, step.sql)
      } catch (error) {
        checks.push({ name, ok: false, expected: step.rows ?? step.deltas, actual: '', error: `the step's SQL failed: ${(error as Error).message}` })
        break
      }
      const { rows: idle } = await client.query<{ idle: boolean }>('SELECT pgr.wait_idle(10000) AS idle')
      if (!idle[0]!.idle) {
        checks.push({ name, ok: false, expected: null, actual: '', error: 'the pg_reactive worker did not finish within 10 s' })
        break
      }
      const deltas = await catchUp()
      observed.steps.push({ rows, deltas })
      const expectsDeltas = step.deltas !== null
      const expected = expectsDeltas ? step.deltas : step.rows
      const actual = expectsDeltas ? deltas : rows
      checks.push(await compare(client, `${name} → ${expectsDeltas ? 'deltas' : 'rows'}`, expected, actual))
    }
    return { checks, observed }
  } finally {
    await client.end().catch(() => {})
  }
}
