// pgstack migrate against a real database: order, one transaction per file, the failing statement
// and its position named, checksums refusing an edited file, two runners at once, status, and the
// live/ definitions applied after the migrations.
import t from 'tap'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import pg from 'pg'
import { startThrowawayCluster } from '@pgstack/infra'
import { createTestDatabase } from '@pgstack/infra/testing'
import { pgstack } from './pgstack-process.ts'

const db = await createTestDatabase(t)
const app = mkdtempSync(join(tmpdir(), 'pgstack-migrate-'))
t.teardown(() => rmSync(app, { recursive: true, force: true }))
mkdirSync(join(app, 'migrations'))
mkdirSync(join(app, 'live'))
const env = { DATABASE_URL: db.adminUrl, PGSTACK_ADMIN_DATABASE_URL: undefined }
const run = (...args: string[]) => pgstack(args, { cwd: app, env })
const write = (name: string, sql: string) => writeFileSync(join(app, 'migrations', name), sql)
async function sql<R extends pg.QueryResultRow>(text: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: db.adminUrl })
  await client.connect()
  try {
    return (await client.query<R>(text)).rows
  } finally {
    await client.end()
  }
}

t.test('up applies pending files in version order (0002 before 10), then live/', async (t) => {
  write('10_tags.sql', 'create table tag (id int primary key, note_id int references note);\n')
  write('0002_notes.sql', "create table note (id bigint primary key, body text not null);\ninsert into note values (9007199254740993, 'ünïcødé');\n")
  writeFileSync(join(app, 'live', 'notes.sql'), '-- @key id\nselect id, body from note order by id;\n')
  const up = await run('migrate', 'up')
  t.equal(up.code, 0, `exit 0`, { stdout: up.stdout, stderr: up.stderr })
  t.match(up.stderr, /Applying migrations\/0002_notes\.sql\nApplying migrations\/10_tags\.sql/)
  t.match(up.stdout, /Applied 2 migrations\.\nLive query notes defined \(live\/notes\.sql\)/)
  t.same(await sql('SELECT id::text, body FROM note'), [{ id: '9007199254740993', body: 'ünïcødé' }])
  t.same((await sql<{ name: string }>("SELECT name FROM pgr.live_queries WHERE name = 'notes'")).length, 1)
  const again = await run('migrate', 'up', '--json')
  t.equal(again.code, 0)
  t.same(JSON.parse(again.stdout).applied, [], 'nothing the second time')
  t.same(JSON.parse(again.stdout).live[0].action, 'unchanged')
  const status = await run('migrate', 'status', '--json')
  t.same(
    JSON.parse(status.stdout).migrations.map((m: { version: string; state: string }) => [m.version, m.state]),
    [['0002', 'applied'], ['10', 'applied']],
  )
})

t.test('a failing statement rolls its whole file back and is named with its position', async (t) => {
  write('20_broken.sql', "-- comment first\ncreate table half (id int);\n\ninsert into half values (1);\nselect 'ünï' || frob(1);\n")
  const up = await run('migrate', 'up')
  t.equal(up.code, 1)
  t.equal(up.stdout, '')
  t.match(up.stderr, /^Applying migrations\/20_broken\.sql\npgstack migrate up: migrations\/20_broken\.sql, statement 3 \(line 5\): function frob\(integer\) does not exist \[42883\] at line 5, column 17: rolled back, nothing of this file was applied; fix it and run again\n$/)
  t.same(await sql("SELECT to_regclass('half') AS half"), [{ half: null }], 'the first statement was rolled back')
  const status = await run('migrate', 'status')
  t.match(status.stdout, /pending {2}migrations\/20_broken\.sql/)
  t.match(status.stdout, /1 pending: run `pgstack migrate up`/)

  write('20_broken.sql', 'create table half (id int;\n')
  const syntax = await run('migrate', 'up')
  t.match(syntax.stderr, /migrations\/20_broken\.sql, line 1: syntax error at or near ";" \[42601\] at line 1, column 26/, syntax.stderr)
  rmSync(join(app, 'migrations', '20_broken.sql'))
})

t.test('an applied file that was edited is refused before anything runs', async (t) => {
  write('0002_notes.sql', 'create table note (id bigint primary key, body text);\n')
  write('30_more.sql', 'create table more (id int);\n')
  const up = await run('migrate', 'up')
  t.equal(up.code, 1)
  t.match(up.stderr, /pgstack migrate up: migrations\/0002_notes\.sql was edited after it was applied: put the change in a new migration/)
  t.same(await sql("SELECT to_regclass('more') AS more"), [{ more: null }])
  const status = await run('migrate', 'status', '--json')
  t.same(JSON.parse(status.stdout).migrations.map((m: { state: string }) => m.state), ['edited', 'applied', 'pending'])
  write('0002_notes.sql', "create table note (id bigint primary key, body text not null);\ninsert into note values (9007199254740993, 'ünïcødé');\n")
  t.equal((await run('migrate', 'up')).code, 0)
})

t.test('two runners at once: the second waits for the lock and finds the work done', async (t) => {
  write('40_slow.sql', 'create table slow (id int);\nselect pg_sleep(1.5);\ninsert into slow values (1);\n')
  const [a, b] = await Promise.all([run('migrate', 'up', '--json'), run('migrate', 'up', '--json')])
  t.equal(a.code, 0, `exit 0`, { stdout: a.stdout, stderr: a.stderr })
  t.equal(b.code, 0, `exit 0`, { stdout: b.stdout, stderr: b.stderr })
  const applied = [JSON.parse(a.stdout).applied, JSON.parse(b.stdout).applied].map((list: unknown[]) => list.length).sort()
  t.same(applied, [0, 1], 'one runner applied it, the other found it applied')
  t.same(await sql('SELECT count(*)::int AS n FROM slow'), [{ n: 1 }])
})

t.test('an empty new migration waits, with the files after it', async (t) => {
  write('50_empty.sql', '-- to be written\n')
  write('60_after.sql', 'create table after_empty (id int);\n')
  const up = await run('migrate', 'up')
  t.equal(up.code, 0)
  t.match(up.stderr, /migrations\/50_empty\.sql has no statements yet: it waits, with the files after it/)
  t.same(await sql("SELECT to_regclass('after_empty') AS t"), [{ t: null }])
})

t.test('a broken live query is named with its position; the others are defined', async (t) => {
  writeFileSync(join(app, 'live', 'broken.sql'), 'select id, nope from note')
  writeFileSync(join(app, 'live', 'Bad-Name.sql'), 'select 1')
  rmSync(join(app, 'migrations', '50_empty.sql'))
  const up = await run('migrate', 'up', '--json')
  t.equal(up.code, 1)
  const live = JSON.parse(up.stdout).live as Array<{ name: string; action: string; error?: string }>
  t.match(live.find((o) => o.name === 'broken')?.error, /^live\/broken\.sql: column "nope" does not exist \[42703\]/)
  t.match(live.find((o) => o.name === 'Bad-Name')?.error, /is not a live query name/)
  t.equal(live.find((o) => o.name === 'notes')?.action, 'unchanged')
  writeFileSync(join(app, 'live', 'notes.sql'), '-- @key id\nselect id, body, length(body) as n from note order by id;\n')
  rmSync(join(app, 'live', 'broken.sql'))
  rmSync(join(app, 'live', 'Bad-Name.sql'))
  const redefined = await run('migrate', 'up', '--json')
  t.equal(redefined.code, 0, `exit 0`, { stdout: redefined.stdout, stderr: redefined.stderr })
  t.equal(JSON.parse(redefined.stdout).live[0].action, 'redefined')
  t.match(await sql("SELECT sql FROM pgr.live_queries WHERE name = 'notes'"), [{ sql: /length\(body\)/ }])
})

t.test('start: a port in use is one line, before any migration', async (t) => {
  const taken = createServer()
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
  t.teardown(() => taken.close())
  const { port } = taken.address() as AddressInfo
  write('99_never.sql', 'create table never_applied (id int);\n')
  const ran = await pgstack(['start'], { cwd: app, env: { ...env, PORT: String(port) } })
  t.equal(ran.code, 1)
  t.equal(ran.stderr.trim(), `pgstack start: port ${port} on 127.0.0.1 is in use: stop what listens there, or set PORT to another port`)
  t.same(await sql("SELECT to_regclass('never_applied') IS NULL AS absent"), [{ absent: true }], 'nothing was applied')
  rmSync(join(app, 'migrations', '99_never.sql'))
})

t.test('start against a PostgreSQL that has pg_reactive installed but not preloaded: one line saying how to fix it', async (t) => {
  const plain = await startThrowawayCluster('pgstack-no-preload-', { superuserPassword: 'no-preload', preloadLibraries: [] })
  t.teardown(() => plain.dispose())
  const ran = await pgstack(['start'], { cwd: app, env: { DATABASE_URL: plain.cluster.adminUrl(), PGSTACK_ADMIN_DATABASE_URL: undefined, PORT: '0' } })
  t.equal(ran.code, 1)
  t.equal(
    ran.stderr.trim(),
    'pgstack start: the database from DATABASE_URL has pg_reactive but does not preload it: add pg_reactive to shared_preload_libraries in postgresql.conf and restart PostgreSQL',
  )
  t.equal(ran.stdout, '')
})
