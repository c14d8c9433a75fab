// pgstack test: a good file passes, a broken one fails with a readable expected/actual diff and
// exit 1, --update records what was observed (every digit) so the next run passes; each file in
// a database of its own, copied from a template with the app's migrations and live queries.
import t from 'tap'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { clusterUrls, testClusterInfo } from '@pgstack/infra/testing'
import { pgstack } from './pgstack-process.ts'

const server = clusterUrls(testClusterInfo()).admin('postgres')
const app = mkdtempSync(join(tmpdir(), 'pgstack-live-test-'))
t.teardown(() => rmSync(app, { recursive: true, force: true }))
for (const dir of ['migrations', 'live', 'tests']) mkdirSync(join(app, dir))
writeFileSync(
  join(app, 'migrations', '1_ledger.sql'),
  `create table ledger (id bigint primary key, owner uuid not null, memo text, amount numeric not null);
   alter table ledger enable row level security;
   create policy own on ledger for all to authenticated using (owner = auth.uid()) with check (owner = auth.uid());`,
)
writeFileSync(join(app, 'live', 'my_ledger.sql'), '-- @params numeric\nselect id, memo, amount from ledger where amount >= $1 order by amount desc, id\n')
const ann = '00000000-0000-0000-0000-00000000000a'
const good = `# ann's entries of at least 1, biggest first
setup: |
  insert into auth.users (id, email) values ('${ann}', 'ann@example.com'), ('00000000-0000-0000-0000-00000000000b', 'bob@example.com');
  insert into ledger values (9007199254740993, '${ann}', 'ünïcødé', 1234567890123456789012345.50);
query:
  name: my_ledger
  params: [1]
  role: authenticated
  claims: { sub: ${ann}, role: authenticated }
rows:
  - { id: 9007199254740993, memo: ünïcødé, amount: 1234567890123456789012345.50 }
steps:
  - sql: insert into ledger values (2, '${ann}', 'two', 2), (3, '00000000-0000-0000-0000-00000000000b', 'bob', 5)
    rows:
      - { id: 9007199254740993, memo: ünïcødé, amount: 1234567890123456789012345.50 }
      - { id: 2, memo: two, amount: 2 }
  - sql: update ledger set amount = 0.5 where id = 9007199254740993
    deltas:
      - { op: delete, key: "[9007199254740993]" }
  - sql: insert into ledger values (4, '${ann}', 'as ann', 3)
    as: { role: authenticated, claims: { sub: ${ann} } }
    rows:
      - { id: 4, memo: as ann, amount: 3 }
      - { id: 2, memo: two, amount: 2 }
`
writeFileSync(join(app, 'tests', 'good.live.yaml'), good)
const broken = good.replace('{ id: 2, memo: two, amount: 2 }\n  - sql: update', '{ id: 2, memo: too, amount: 2 }\n  - sql: update')
writeFileSync(join(app, 'tests', 'broken.live.yaml'), broken)

const run = (...args: string[]) => pgstack(['test', ...args, '--db-url', server], { cwd: app })

async function databases(): Promise<string[]> {
  const client = new pg.Client({ connectionString: server })
  await client.connect()
  try {
    return (await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'pgstack_test_%'")).rows.map((r) => r.datname)
  } finally {
    await client.end()
  }
}

t.test('a good file passes: TAP, every check ok', async (t) => {
  const ran = await run('tests/good.live.yaml')
  t.equal(ran.code, 0, `exit 0`, { stdout: ran.stdout, stderr: ran.stderr })
  t.match(ran.stdout, /^TAP version 14\n# tests\/good\.live\.yaml\nok 1 - tests\/good\.live\.yaml: rows after subscribing\nok 2 - tests\/good\.live\.yaml: step 1: insert into ledger .* → rows\nok 3 - .*step 2: update ledger .* → deltas\nok 4 - .*step 3: insert into ledger .* → rows\n1\.\.4\n# 4 passed, 0 failed\n$/)
  t.same(await databases(), [], 'the test databases are gone')
})

t.test('a broken file fails with its diff; the good one beside it still passes', async (t) => {
  const ran = await run()
  t.equal(ran.code, 1)
  t.match(ran.stdout, /not ok 2 - tests\/broken\.live\.yaml: step 1: insert into ledger .* → rows\n {2}---\n {2}diff: \|\n {4}--- expected\n {4}\+\+\+ actual\n {4}@@ -1,2 \+1,2 @@\n {5}\{"id": 9007199254740993, "memo": "ünïcødé", "amount": 1234567890123456789012345\.50\}\n {4}-\{"id": 2, "memo": "too", "amount": 2\}\n {4}\+\{"id": 2, "memo": "two", "amount": 2\}\n {2}\.\.\.\n/)
  t.match(ran.stdout, /# 7 passed, 1 failed\n$/)
  t.match(ran.stderr, /pgstack test: 1 check failed\n$/)
})

t.test('--update writes what was observed, and the file passes after', async (t) => {
  const updated = await run('tests/broken.live.yaml', '--update')
  t.equal(updated.code, 0, `exit 0`, { stdout: updated.stdout, stderr: updated.stderr })
  const text = readFileSync(join(app, 'tests', 'broken.live.yaml'), 'utf8')
  t.match(text, /^# ann's entries of at least 1, biggest first\n/, 'comments kept')
  t.match(text, '{ id: 2, memo: two, amount: 2 }')
  t.match(text, 'amount: 1234567890123456789012345.50', 'every digit')
  t.match(text, 'id: 9007199254740993')
  t.match(text, /deltas:\n\s+- \{ op: delete, key: "\[9007199254740993\]" \}/)
  const after = await run('tests/broken.live.yaml')
  t.equal(after.code, 0, `exit 0`, { stdout: after.stdout, stderr: after.stderr })
})

t.test('a step whose SQL fails, and a query that does not exist, are failures with the reason', async (t) => {
  writeFileSync(join(app, 'tests', 'errors.live.yaml'), 'query: { name: no_such_query }\n')
  writeFileSync(join(app, 'tests', 'step.live.yaml'), 'query: { sql: select id from ledger order by id }\nsteps:\n  - sql: insert into nowhere values (1)\n    rows: []\n')
  const ran = await run('tests/errors.live.yaml', 'tests/step.live.yaml')
  t.equal(ran.code, 1)
  t.match(ran.stdout, /not ok 1 - tests\/errors\.live\.yaml: subscribe\n {2}---\n {2}error: "subscribing failed: live query \\"no_such_query\\" does not exist"/)
  t.match(ran.stdout, /not ok 3 - tests\/step\.live\.yaml: step 1: insert into nowhere values \(1\)\n {2}---\n {2}error: "the step's SQL failed: relation \\"nowhere\\" does not exist"/)
})
