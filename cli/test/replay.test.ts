// pgstack replay against pg_reactive's delta log: each step's ops and rows (every digit kept),
// --from/--to, feed filters, --verify passing on a consistent log and failing with the rows that
// differ when a delta is corrupted, a base advanced by pruning, and --follow.
import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { createTestDatabase } from '@pgstack/infra/testing'
import { pgstack, spawnPgstack } from './pgstack-process.ts'

const db = await createTestDatabase(t)
const work = mkdtempSync(join(tmpdir(), 'pgstack-replay-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))
const admin = new pg.Client({ connectionString: db.adminUrl })
await admin.connect()
t.teardown(() => admin.end())
const ann = '00000000-0000-0000-0000-00000000000a'
const bob = '00000000-0000-0000-0000-00000000000b'
await admin.query(`
  create table note (id bigint primary key, owner uuid not null, body text not null, amount numeric);
  alter table note enable row level security;
  create policy own on note for select to authenticated using (owner = auth.uid());
  grant select on note to authenticated;
  select pgr.define('notes', 'select id, body, amount from note order by amount desc nulls last, id', null);
`)
const claims = (sub: string) => JSON.stringify({ sub, role: 'authenticated' })
for (const sub of [ann, bob]) await admin.query(`SELECT * FROM pgr.subscribe('notes', '[]', 'authenticated', $1)`, [claims(sub)])
async function write(sql: string): Promise<void> {
  await admin.query(sql)
  await admin.query('SELECT pgr.wait_idle()')
}
await write(`insert into note values (9007199254740993, '${ann}', 'ünï', 1234567890123456789012345.50), (2, '${bob}', 'bob''s', 1)`)
await write(`insert into note values (3, '${ann}', 'second', 2)`)
await write(`update note set amount = 0.5 where id = 9007199254740993`)
await write(`delete from note where id = 3`)

const run = (...args: string[]) => pgstack([...args, '--db-url', db.adminUrl], { cwd: work })

t.test('the history of one feed, step by step, with the rows after each', async (t) => {
  const ran = await run('replay', 'notes', '--claims', JSON.stringify({ sub: ann }), '--json')
  t.equal(ran.code, 0, `exit 0`, { stdout: ran.stdout, stderr: ran.stderr })
  const [feed] = JSON.parse(ran.stdout).feeds as Array<{ base: { seq: number; rows: unknown[] }; steps: Array<{ seq: number; ops: unknown[]; rows: unknown[] }> }>
  t.same(feed!.base, { seq: 0, rows: [] })
  t.same(feed!.steps.map((s) => s.seq), [1, 2, 3, 4])
  const text = await run('replay', 'notes', '--claims', JSON.stringify({ sub: ann }))
  // rows as PostgreSQL wrote them: the bigint key and the 25-digit numeric keep every digit
  t.match(text.stdout, '"id": 9007199254740993')
  t.match(text.stdout, '"amount": 1234567890123456789012345.50')
  t.match(text.stdout, /seq 3 — .* — 1 update\n/)
  // the order moved: 0.5 now sorts after 2, by the query's ORDER BY
  t.match(text.stdout, /seq 3 .*\n.*\n {4}rows: \[\{"id": 3, .*\}, \{"id": 9007199254740993, .*"amount": 0\.5\}\] \(2\)/)
  // ops as pg_reactive logged them (its json text); rows as pgr.apply builds them
  t.match(text.stdout, /seq 4 — .* — 1 delete\n {4}ops: {2}\[\{"op":"delete","key":"\[3\]"\}\]\n {4}rows: \[\{"id": 9007199254740993, "body": "ünï", "amount": 0\.5\}\] \(1\)/)
  const window = await run('replay', 'notes', '--claims', JSON.stringify({ sub: ann }), '--from', '2', '--to', '3', '--json')
  t.same(JSON.parse(window.stdout).feeds[0].steps.map((s: { seq: number }) => s.seq), [2, 3])
  const both = await run('replay', 'notes', '--json')
  t.equal(JSON.parse(both.stdout).feeds.length, 2, 'every feed without a filter')
})

t.test('--verify: consistent feeds pass', async (t) => {
  const ran = await run('replay', 'notes', '--verify')
  t.equal(ran.code, 0, `exit 0`, { stdout: ran.stdout, stderr: ran.stderr })
  t.match(ran.stdout, /^ok {2}feed \d+ of notes — role authenticated, params \[\], claims \{"sub":"[0-]+a","role":"authenticated"\}: base seq 0 \+ 4 deltas = seq 4, 1 rows$/m)
  t.match(ran.stdout, /^ok {2}feed \d+ of notes .*0000000b".*: base seq 0 \+ 1 deltas = seq 1, 1 rows$/m)
})

t.test('pruned deltas are folded into the base, and the history still verifies', async (t) => {
  const feedId = (await admin.query(`SELECT id FROM pgr.feed WHERE claims->>'sub' = $1`, [ann])).rows[0].id
  await admin.query(`UPDATE pgr.delta_log SET created_at = created_at - interval '2 hours' WHERE feed_id = $1 AND seq <= 2`, [feedId])
  await admin.query(`SELECT pgr._prune_log('1 hour')`)
  const ran = await run('replay', 'notes', '--feed', String(feedId), '--json')
  const feed = JSON.parse(ran.stdout).feeds[0]
  t.equal(feed.base.seq, 2, 'the base moved to the oldest delta kept')
  t.equal(feed.base.rows.length, 2)
  t.same(feed.steps.map((s: { seq: number }) => s.seq), [3, 4])
  const verified = await run('replay', 'notes', '--feed', String(feedId), '--verify')
  t.equal(verified.code, 0, `exit 0`, { stdout: verified.stdout, stderr: verified.stderr })
  t.match(verified.stdout, /base seq 2 \+ 2 deltas = seq 4/)
})

t.test('--verify fails on a corrupted delta and names the rows that differ', async (t) => {
  const feedId = (await admin.query(`SELECT id FROM pgr.feed WHERE claims->>'sub' = $1`, [ann])).rows[0].id
  await admin.query(`UPDATE pgr.delta_log SET ops = '[]' WHERE feed_id = $1 AND seq = 4`, [feedId])
  const ran = await run('replay', 'notes', '--verify')
  t.equal(ran.code, 1)
  t.match(ran.stdout, /^FAILED {2}feed \d+ of notes .*0000000a"/m)
  t.match(ran.stdout, /the rows rebuilt from the base \(seq 2\) and 2 deltas differ from the feed's stored rows at seq 4/)
  t.match(ran.stdout, /\+ extra: {3}\{"id": 3, "body": "second", "amount": 2\}/)
  t.match(ran.stdout, /^ok {2}feed \d+ of notes .*0000000b"/m, 'the other feed still passes')
  t.match(ran.stderr, /^pgstack replay: 1 of 2 feeds of notes failed verification\n$/)
})

t.test('bad names and filters: one line each', async (t) => {
  const unknown = await run('replay', 'nope')
  t.equal(unknown.code, 1)
  t.match(unknown.stderr, /^pgstack replay: no live query named "nope": /)
  const none = await run('replay', 'notes', '--role', 'anon')
  t.match(none.stderr, /^pgstack replay: live query notes has no feed matching those options: /)
  const badJson = await run('replay', 'notes', '--params', '[1')
  t.equal(badJson.code, 2)
  t.match(badJson.stderr, /^pgstack replay: --params is not JSON: \[1: pass a JSON array/)
  const ambiguous = await run('replay', 'notes', '--follow')
  t.equal(ambiguous.code, 2)
  t.match(ambiguous.stderr, /2 feeds of notes match .*: pick one with --feed/)
})

t.test('--follow prints each new delta as it is logged', async (t) => {
  const follow = spawnPgstack(['replay', 'notes', '--claims', JSON.stringify({ sub: bob }), '--follow', '--json', '--db-url', db.adminUrl], { cwd: work })
  t.teardown(() => follow.child.kill('SIGKILL'))
  await follow.until('"feeds"')
  await write(`insert into note values (7, '${bob}', 'live', 3)`)
  await follow.until(/"seq":2,.*"rows":\[\{"id":7,"body":"live","amount":3\},\{"id":2/)
  follow.child.kill('SIGINT')
  t.equal(await follow.exited, 0)
})
