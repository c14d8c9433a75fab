import t from 'tap'
import pg from 'pg'
import { startTestHub } from '@pgstack/hub/testing'

t.test('GET /health reports both versions and uptime', async (t) => {
  const { url } = await startTestHub(t)
  const res = await fetch(`${url}/health`)
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /application\/json/)
  const body = (await res.json()) as Record<string, unknown>
  t.equal(body.status, 'ok')
  t.match(body.postgres, /^\d+\.\d+/)
  t.match(body.pg_reactive, /^\d+\.\d+/)
  t.type(body.uptime_seconds, 'number')
})

t.test('a path nothing serves is a 404 in PostgREST error format', async (t) => {
  const { url } = await startTestHub(t)
  for (const path of ['/', '/nope', '/healthz', '/functions/v1/hello']) {
    const res = await fetch(`${url}${path}`, { method: 'POST', body: 'x' })
    t.equal(res.status, 404, path)
    const body = (await res.json()) as Record<string, unknown>
    t.same(Object.keys(body).sort(), ['code', 'details', 'hint', 'message'], path)
    t.equal(body.code, 'PGRST125')
  }
})

t.test('a body over the limit is refused with 413, not buffered', async (t) => {
  const { url } = await startTestHub(t, { env: { PGSTACK_MAX_BODY_BYTES: '2048' } })
  const res = await fetch(`${url}/health`, { method: 'POST', body: 'x'.repeat(10_000) })
  t.equal(res.status, 413)
  t.equal(((await res.json()) as { code: string }).code, 'PGSH001')
})

t.test('the server connects as authenticator, which can become each API role', async (t) => {
  const { db } = await startTestHub(t)
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  t.teardown(() => client.end())
  const { rows } = await client.query('SELECT current_user AS me')
  t.equal(rows[0].me, 'authenticator')
  for (const role of ['anon', 'authenticated', 'service_role']) {
    await client.query(`SET ROLE ${role}`)
    t.equal((await client.query('SELECT current_user AS me')).rows[0].me, role)
    await client.query('RESET ROLE')
  }
  const bypass = await client.query("SELECT rolbypassrls FROM pg_roles WHERE rolname = 'service_role'")
  t.equal(bypass.rows[0].rolbypassrls, true)
  const schemas = await client.query("SELECT nspname FROM pg_namespace WHERE nspname IN ('auth', 'pgr') ORDER BY 1")
  t.same(schemas.rows.map((r) => r.nspname), ['auth', 'pgr'])
})
