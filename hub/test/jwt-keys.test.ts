// With auth signing access tokens with an ES256 key, every part of the server must accept them:
// /rest/v1 (RLS through auth.uid()), the live endpoint and /metrics — not only /auth/v1.
import t from 'tap'
import { generateKeyPairSync } from 'node:crypto'
import { SignJWT } from 'jose'
import pg from 'pg'
import { startTestHub } from '@pgstack/hub/testing'
import { LiveTestClient } from './live-client.ts'

const pem = (key: ReturnType<typeof generateKeyPairSync>['privateKey']) =>
  key.export({ type: 'pkcs8', format: 'pem' }).toString()

t.test('ES256 access tokens from /auth/v1 work on /rest/v1 and /live/v1', async (t) => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const stack = await startTestHub(t, { env: { PGSTACK_AUTH_JWT_PRIVATE_KEY: pem(privateKey) } })
  const admin = new pg.Client({ connectionString: stack.db.adminUrl })
  await admin.connect()
  await admin.query(`
    CREATE TABLE notes (id serial PRIMARY KEY, owner uuid NOT NULL DEFAULT auth.uid(), body text);
    ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
    CREATE POLICY own ON notes USING (owner = auth.uid()) WITH CHECK (owner = auth.uid());
    NOTIFY pgrst, 'reload schema';`)
  await admin.end()

  const signup = await fetch(`${stack.url}/auth/v1/signup`, {
    method: 'POST',
    headers: { apikey: stack.anonKey, 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'es@example.com', password: 'a-long-password-1' }),
  })
  t.equal(signup.status, 200)
  const { access_token: token } = (await signup.json()) as { access_token: string }
  t.equal(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).alg, 'ES256')

  const headers = { apikey: stack.anonKey, authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  let insert: Response | undefined
  for (let i = 0; i < 50; i++) {
    insert = await fetch(`${stack.url}/rest/v1/notes`, { method: 'POST', headers: { ...headers, prefer: 'return=representation' }, body: JSON.stringify({ body: 'mine' }) })
    if (insert.status !== 404 && insert.status !== 503) break // schema cache still loading
    await new Promise((r) => setTimeout(r, 100))
  }
  t.equal(insert!.status, 201)
  const read = await fetch(`${stack.url}/rest/v1/notes?select=body`, { headers })
  t.same(await read.json(), [{ body: 'mine' }])

  const live = await LiveTestClient.open(stack.url, token)
  t.teardown(() => live.ws.close())
  const welcome = await live.next((m) => m.type === 'welcome' || m.type === 'error')
  t.equal(welcome.type, 'welcome')

  // A token signed with some other EC key is refused as a bad token, not trusted.
  const { privateKey: otherKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const forged = await new SignJWT({ role: 'authenticated', sub: '00000000-0000-0000-0000-000000000000' })
    .setProtectedHeader({ alg: 'ES256' })
    .setExpirationTime('1h')
    .sign(otherKey)
  const refused = await fetch(`${stack.url}/rest/v1/notes`, { headers: { ...headers, authorization: `Bearer ${forged}` } })
  t.equal(refused.status, 401)
  t.equal(((await refused.json()) as { code: string }).code, 'PGRST301')
})
