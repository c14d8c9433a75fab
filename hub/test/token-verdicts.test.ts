// One token, one verdict: every API of one hub judges the same list of tokens alike — /rest/v1,
// /live/v1, /metrics, /admin/v1 and /auth/v1/user. A signed-in
// user's claims are re-signed in each way a client could send them. Each API keeps its own error
// shape: PostgREST's PGRST301/303 on REST, live, /metrics and admin, GoTrue's 403 bad_jwt on auth.
import { generateKeyPairSync } from 'node:crypto'
import { SignJWT, type JWTPayload } from 'jose'
import pg from 'pg'
import t from 'tap'
import { startTestHub } from '@pgstack/hub/testing'
import { LiveTestClient } from './live-client.ts'

/** What a consumer made of a token: accepted (whatever it then did), or refused with this code. */
type Verdict = 'accepted' | { rejected: string }

t.test('every API gives each token the same verdict', async (t) => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const stack = await startTestHub(t, { env: { PGSTACK_AUTH_JWT_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() } })
  const admin = new pg.Client({ connectionString: stack.db.adminUrl })
  await admin.connect()
  await admin.query(`CREATE TABLE notes (id int PRIMARY KEY); GRANT SELECT ON notes TO anon, authenticated; NOTIFY pgrst, 'reload schema'`)
  await admin.end()

  const signup = await fetch(`${stack.url}/auth/v1/signup`, {
    method: 'POST',
    headers: { apikey: stack.anonKey, 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'verdicts@example.com', password: 'a-long-password-1' }),
  })
  t.equal(signup.status, 200)
  const { access_token: issued } = (await signup.json()) as { access_token: string }
  const user = JSON.parse(Buffer.from(issued.split('.')[1]!, 'base64url').toString()) as JWTPayload
  const now = Math.floor(Date.now() / 1000)
  const secret = new TextEncoder().encode(stack.jwtSecret)
  const claims = (more: JWTPayload = {}): JWTPayload => ({ ...user, iat: now, exp: now + 3600, ...more })
  const hs = (alg: string, payload: JWTPayload, key: Uint8Array = secret) => new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(key)
  const withoutRole = claims()
  delete withoutRole.role
  const valid = await hs('HS256', claims())
  const [header, , signature] = valid.split('.')
  const tampered = `${header}.${Buffer.from(JSON.stringify(claims({ role: 'service_role' }))).toString('base64url')}.${signature}`
  const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${valid.split('.')[1]}.`
  const otherEc = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey

  const accepted: Verdict = 'accepted'
  const bad: Verdict = { rejected: 'PGRST301' }
  const claimsFail: Verdict = { rejected: 'PGRST303' }
  const cases: Array<[string, string, Verdict]> = [
    ['HS256, valid', valid, accepted],
    ['HS256, expired 10 s ago (within the 30 s skew)', await hs('HS256', claims({ exp: now - 10 })), accepted],
    ['HS256, expired 60 s ago', await hs('HS256', claims({ exp: now - 60 })), claimsFail],
    ['HS256, not valid for another 60 s', await hs('HS256', claims({ nbf: now + 60 })), claimsFail],
    ['HS256, issued 60 s in the future', await hs('HS256', claims({ iat: now + 60 })), claimsFail],
    ['HS384, valid', await hs('HS384', claims()), accepted],
    ['HS512, valid', await hs('HS512', claims()), accepted],
    ['HS512, expired 10 s ago', await hs('HS512', claims({ exp: now - 10 })), accepted],
    ['ES256 with the configured key', await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256' }).sign(privateKey), accepted],
    ['ES256 with another key', await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256' }).sign(otherEc), bad],
    ['RS256 (no RSA key configured)', await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256' }).sign(rsa), bad],
    ['alg none', none, bad],
    ['wrong secret', await hs('HS256', claims(), new TextEncoder().encode('not-the-secret-but-just-as-long-as-one')), bad],
    ['tampered payload', tampered, bad],
    ['missing role (the anonymous role)', await hs('HS256', withoutRole), accepted],
    ['unknown role', await hs('HS256', claims({ role: 'no_such_role' })), accepted],
  ]

  const postgrestVerdict = async (res: Response): Promise<Verdict> => {
    const body = res.status === 200 ? null : ((await res.json()) as { code: string })
    return res.status === 401 && /^PGRST30/.test(body!.code) ? { rejected: body!.code } : 'accepted'
  }
  const consumers: Record<string, (token: string) => Promise<Verdict>> = {
    rest: async (token) => postgrestVerdict(await fetch(`${stack.url}/rest/v1/notes`, { headers: { authorization: `Bearer ${token}` } })),
    metrics: async (token) => postgrestVerdict(await fetch(`${stack.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })),
    admin: async (token) => postgrestVerdict(await fetch(`${stack.url}/admin/v1`, { headers: { authorization: `Bearer ${token}` } })),
    live: async (token) => {
      const client = await LiveTestClient.open(stack.url, token)
      try {
        const first = await client.next((m) => m.type === 'welcome' || m.type === 'error', 5_000)
        return first.type === 'welcome' ? 'accepted' : { rejected: first.code as string }
      } finally {
        client.ws.close()
      }
    },
    auth: async (token) => {
      const res = await fetch(`${stack.url}/auth/v1/user`, { headers: { apikey: stack.anonKey, authorization: `Bearer ${token}` } })
      const body = (await res.json()) as { error_code?: string }
      return res.status === 403 && body.error_code === 'bad_jwt' ? { rejected: 'bad_jwt' } : 'accepted'
    },
  }
  // REST needs the schema cache loaded before its verdicts mean anything.
  for (let i = 0; i < 50 && (await fetch(`${stack.url}/rest/v1/notes`, { headers: { apikey: stack.anonKey } })).status !== 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
  }

  for (const [name, token, expected] of cases) {
    for (const [consumer, judge] of Object.entries(consumers)) {
      const want = consumer === 'auth' && expected !== 'accepted' ? { rejected: 'bad_jwt' } : expected
      t.same(await judge(token), want, `${name}: ${consumer}`)
    }
  }

  // What accepted tokens then do is each API's own business, and stays as it was:
  const rest = async (token: string) => (await fetch(`${stack.url}/rest/v1/notes`, { headers: { authorization: `Bearer ${token}` } })).status
  t.equal(await rest(await hs('HS256', withoutRole)), 200, 'REST: no role claim runs as anon')
  const unknown = await fetch(`${stack.url}/rest/v1/notes`, { headers: { authorization: `Bearer ${await hs('HS256', claims({ role: 'no_such_role' }))}` } })
  t.match([unknown.status, await unknown.json()], [401, { code: '22023' }], 'REST: an unknown role fails in PostgreSQL, as in PostgREST')
  const me = await fetch(`${stack.url}/auth/v1/user`, { headers: { apikey: stack.anonKey, authorization: `Bearer ${await hs('HS512', claims())}` } })
  t.match([me.status, await me.json()], [200, { email: 'verdicts@example.com' }], 'auth: the user of an HS512 token')
  const metrics = await fetch(`${stack.url}/metrics`, { headers: { authorization: `Bearer ${stack.serviceKey}` } })
  t.equal(metrics.status, 200, '/metrics: the service key')
  const adminApi = await fetch(`${stack.url}/admin/v1`, { headers: { authorization: `Bearer ${stack.serviceKey}` } })
  t.equal(adminApi.status, 200, '/admin/v1: the service key')
})
