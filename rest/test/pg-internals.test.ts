// pipeline.ts goes beneath node-postgres's public API: it writes the Client's private
// `_activeQuery` and `readyForQuery` between a Batch's Syncs, writes to the Connection's `stream`,
// imports `pg/lib/utils.js` and serialises with pg-protocol. That holds for the exact versions the
// packages pin, and these tests fail when a package asks for a range, when the installed copy is
// not the pinned one, or when those internals move (a renamed field, a changed order of what the
// Client does on ReadyForQuery or on an error).
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import t from 'tap'
import pg from 'pg'
import { prepareValue } from 'pg/lib/utils.js'
import { createTestDatabase } from '@pgstack/infra/testing'
import { Batch, isServerError, Pipeline } from '../src/pipeline.ts'

const root = join(import.meta.dirname, '../..')

/**
 * A client of a fresh database, ended before the database is dropped: the drop (WITH FORCE)
 * would otherwise end it first, and an error event on a client without a listener fails the file.
 */
async function connectTo(t: Parameters<typeof createTestDatabase>[0]): Promise<{ client: pg.Client }> {
  const db = await createTestDatabase(t)
  const client = new pg.Client({ connectionString: db.adminUrl })
  client.on('error', () => {})
  await client.connect()
  t.teardown(() => client.end())
  return { client }
}
const PINNED = ['pg', 'pg-protocol', 'pg-cursor'] as const
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, Record<string, string> | undefined>
/** The directory of the copy of `name` that `require` loads (pg-protocol exports no package.json). */
function installedDir(require: NodeJS.Require, name: string): string {
  const entry = require.resolve(name)
  return entry.slice(0, entry.lastIndexOf(`/node_modules/${name}/`) + `/node_modules/${name}`.length)
}
const versionIn = (dir: string) => (readJson(join(dir, 'package.json')) as unknown as { version: string }).version

t.test('every package pins node-postgres exactly, and the pinned copy is the one installed', async (t) => {
  const workspaces = (readJson(join(root, 'package.json')).workspaces as unknown as string[]).map((w) => join(root, w))
  const wanted = new Map<string, string>()
  let users = 0
  for (const dir of [root, ...workspaces]) {
    const manifest = readJson(join(dir, 'package.json'))
    const require = createRequire(join(dir, 'package.json'))
    for (const name of PINNED) {
      const range = manifest.dependencies?.[name] ?? manifest.devDependencies?.[name]
      if (range === undefined) continue
      users++
      t.match(range, /^\d+\.\d+\.\d+$/, `${dir.slice(root.length) || '/'} asks for ${name} ${range}: an exact version`)
      t.equal(wanted.get(name) ?? range, range, `every package asks for the same ${name}`)
      wanted.set(name, range)
      t.equal(versionIn(installedDir(require, name)), range, `${name} installed for ${dir.slice(root.length)} is ${range}`)
    }
  }
  t.ok(users >= 4 && wanted.has('pg') && wanted.has('pg-protocol'), 'rest, auth, hub and infra use pg')
  // The Client parses with the pg-protocol it loads; pipeline.ts serialises with rest's.
  const restRequire = createRequire(join(root, 'rest/package.json'))
  const pgsProtocol = installedDir(createRequire(join(installedDir(restRequire, 'pg'), 'package.json')), 'pg-protocol')
  t.equal(pgsProtocol, installedDir(restRequire, 'pg-protocol'), 'pg loads the same copy of pg-protocol as pipeline.ts')
  t.equal(versionIn(pgsProtocol), wanted.get('pg-protocol'), 'the pinned one')
})

t.test("the Client's and Connection's fields pipeline.ts touches are where it touches them", async (t) => {
  const { client } = await connectTo(t)
  const internals = client as unknown as { _activeQuery: unknown; readyForQuery: boolean; connection: { stream: { writable: boolean; write: unknown }; sendCopyFail: unknown } }
  t.ok('_activeQuery' in internals, 'Client._activeQuery')
  t.equal(internals.readyForQuery, true, 'Client.readyForQuery is true when idle')
  t.equal(internals.connection.stream.writable, true, 'Connection.stream is the writable socket')
  t.type(internals.connection.stream.write, 'function')
  t.type(internals.connection.sendCopyFail, 'function')
  const instant = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6))
  t.match(prepareValue(instant), /^2026-01-0[12]T\d\d:\d\d:05\.006[+-]\d\d:\d\d$/, 'pg/lib/utils.js prepareValue writes a Date with its offset')
  t.equal(new Date(prepareValue(instant) as string).getTime(), instant.getTime(), 'the same instant')
  t.equal(prepareValue(10n ** 20n), '100000000000000000000', 'prepareValue writes a bigint as text')
})

t.test('a Batch: one write, each Sync its own answer, an error touching only its own, the client reusable', async (t) => {
  const { client } = await connectTo(t)
  const stream = (client as unknown as { connection: { stream: { write: (data: Buffer) => boolean } } }).connection.stream
  const write = stream.write.bind(stream)
  let writes = 0
  stream.write = (data: Buffer) => {
    writes++
    return write(data)
  }
  const make = () => [
    new Pipeline([{ text: "SELECT set_config('app.x', $1, true)", values: ['one'] }, { name: 'internals_x', text: "SELECT current_setting('app.x', true), $1::bigint", values: ['9007199254740993'] }]),
    new Pipeline([{ text: 'SELECT 1/0', values: [] }]),
    new Pipeline([{ name: 'internals_x', text: "SELECT current_setting('app.x', true), $1::bigint", values: [42n] }]),
  ]
  for (const round of [1, 2]) {
    const pipelines = make()
    writes = 0
    client.query(new Batch(client, pipelines))
    t.equal(writes, 1, `round ${round}: the Batch goes in one write`)
    // Queued behind the Batch: node-postgres must not submit it before the Batch's last Sync.
    const after = client.query({ text: 'SELECT $1::text AS queued', values: ['ü'] })
    const [first, second, third] = await Promise.allSettled(pipelines.map((p) => p.done))
    t.same(first, { status: 'fulfilled', value: [[['one']], [['one', '9007199254740993']]] }, `round ${round}: the first Sync's settings hold for its next statement`)
    t.equal(second?.status, 'rejected')
    const error = (second as PromiseRejectedResult).reason as Error & { code?: string }
    t.equal(error.code, '22012', `round ${round}: division by zero reaches its own pipeline`)
    t.ok(isServerError(error), 'and is a server error (the connection stays usable)')
    t.same(third, { status: 'fulfilled', value: [[['', '42']]] }, `round ${round}: the third is untouched by the second's error and by the first's settings (set, then gone with its transaction)`)
    t.same((await after).rows, [{ queued: 'ü' }], `round ${round}: a query queued behind the Batch gets its own answer`)
  }
  const { rows } = await client.query<{ name: string }>("SELECT name FROM pg_prepared_statements WHERE name = 'internals_x'")
  t.same(rows, [{ name: 'internals_x' }], 'a named statement is prepared on the connection')
})

t.test('a connection lost under a Batch fails every pipeline with a connection error', async (t) => {
  const { client } = await connectTo(t)
  const pipelines = [new Pipeline([{ text: 'SELECT pg_sleep(30)', values: [] }]), new Pipeline([{ text: 'SELECT 1', values: [] }])]
  client.query(new Batch(client, pipelines))
  await new Promise((resolve) => setTimeout(resolve, 100))
  ;(client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy()
  const settled = await Promise.allSettled(pipelines.map((p) => p.done))
  t.same(settled.map((s) => s.status), ['rejected', 'rejected'], 'both pipelines fail')
  for (const s of settled) t.notOk(isServerError((s as PromiseRejectedResult).reason), 'with a connection error (the scheduler discards the connection)')
})
