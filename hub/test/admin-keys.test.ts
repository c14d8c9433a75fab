import t from 'tap'
import { randomBytes } from 'node:crypto'
import { jwtVerify, decodeJwt } from 'jose'
import { loadConfig, startHub, type Hub } from '@pgstack/hub'
import { startAdminHub, type AdminHub } from './admin-fixture.ts'

/** Another hub on the same database, with the JWT secret of our choosing. */
async function hubWith(t: { teardown(fn: () => unknown): void }, admin: AdminHub, secret: string): Promise<Hub> {
  const config = loadConfig({ DATABASE_URL: admin.db.url, PGSTACK_ADMIN_DATABASE_URL: admin.db.adminUrl, PGSTACK_JWT_SECRET: secret, PORT: '0', PGSTACK_AUTH_SCRYPT_LOG_N: '10' })
  const hub = await startHub({ config, log: () => {} })
  t.teardown(() => hub.close())
  return hub
}

const rest = (url: string, anonKey: string, token: string) =>
  fetch(`${url}/rest/v1/things`, { headers: { apikey: anonKey, authorization: `Bearer ${token}` } }).then((res) => res.status)

async function eventually(check: () => Promise<boolean>, ms = 5_000): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return true
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return false
}

t.test('the keys: anon and service keys signed with the current secret, stable across restarts', async (t) => {
  const hub = await startAdminHub(t)
  const keys = await hub.admin('GET', '/keys', hub.serviceKey)
  t.equal(keys.status, 200)
  t.match(keys.body, { jwt_secret: hub.jwtSecret, current: { id: 'env', source: 'env', fingerprint: /^sha256:[0-9a-f]{16}$/ }, previous: [], asymmetric: null })
  const secret = new TextEncoder().encode(hub.jwtSecret)
  t.equal((await jwtVerify(keys.body.anon_key, secret)).payload.role, 'anon')
  t.equal((await jwtVerify(keys.body.service_key, secret)).payload.role, 'service_role')
  t.equal((await hub.admin('GET', '/session', keys.body.service_key)).status, 200, 'the shown service key works')
  const again = await hubWith(t, hub, hub.jwtSecret)
  t.same(await again.apiKeys(), { anonKey: keys.body.anon_key, serviceKey: keys.body.service_key }, 'another hub of the database shows the same keys')
})

t.test('rotating the secret: new tokens use the new one, the old one passes until the deadline, every hub at once', async (t) => {
  const hub = await startAdminHub(t)
  await hub.sql('CREATE TABLE public.things (id int); GRANT SELECT ON public.things TO anon, authenticated, service_role')
  await hub.sql("NOTIFY pgrst, 'reload schema'")
  t.ok(await eventually(async () => (await rest(hub.url, hub.anonKey, hub.serviceKey)) === 200), 'the table is served')
  const other = await hubWith(t, hub, hub.jwtSecret)
  const user = await hub.signUp('ada@example.com')

  const rotated = await hub.admin('POST', '/keys/rotate', hub.serviceKey, { grace_seconds: 3600 })
  t.equal(rotated.status, 200)
  t.match(rotated.body, { current: { source: 'database' }, previous: [{ id: /^\d+$/, expires_at: /./ }] })
  const deadline = Date.parse(rotated.body.previous[0].expires_at)
  t.ok(Math.abs(deadline - Date.now() - 3_600_000) < 60_000, 'the old secret passes for an hour')
  t.not(rotated.body.jwt_secret, hub.jwtSecret)
  const newSecret = new TextEncoder().encode(rotated.body.jwt_secret)
  await jwtVerify(rotated.body.service_key, newSecret)

  // old keys and tokens still pass, on every API
  t.equal(await rest(hub.url, hub.anonKey, hub.serviceKey), 200, 'old service key on /rest/v1')
  t.equal(await rest(hub.url, hub.anonKey, user.accessToken), 200, "a user's old access token on /rest/v1")
  t.equal((await hub.admin('GET', '/session', hub.serviceKey)).status, 200, 'old service key on /admin/v1')
  // new ones pass too, and auth signs with the new secret
  t.equal(await rest(hub.url, rotated.body.anon_key, rotated.body.service_key), 200)
  const signIn = await fetch(`${hub.url}/auth/v1/token?grant_type=password`, {
    method: 'POST',
    headers: { apikey: rotated.body.anon_key, 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'ada@example.com', password: 'correct horse 9' }),
  }).then((res) => res.json() as Promise<{ access_token: string }>)
  await jwtVerify(signIn.access_token, newSecret)
  t.pass('a sign-in after the rotation is signed with the new secret')
  // the other hub learnt it through NOTIFY
  t.ok(await eventually(async () => (await rest(other.url, rotated.body.anon_key, rotated.body.service_key)) === 200), 'the other hub accepts the new key')
  t.same(await other.apiKeys(), { anonKey: rotated.body.anon_key, serviceKey: rotated.body.service_key })

  // a second rotation without grace: the first rotation's secret ends now, the environment's still has its hour
  const second = await hub.admin('POST', '/keys/rotate', rotated.body.service_key, { grace_seconds: 0 })
  t.equal(second.status, 200)
  t.equal(second.body.previous.length, 1, 'only the environment secret is still in its grace period')
  t.equal(await rest(hub.url, hub.anonKey, rotated.body.service_key), 401, 'a token of the secret that ended is refused')
  t.equal(await rest(hub.url, hub.anonKey, hub.serviceKey), 200, 'the first one is still in its hour')
  t.equal((await hub.admin('GET', '/session', second.body.service_key)).status, 200)

  // a restart with the same environment keeps the rotated secret
  const restarted = await hubWith(t, hub, hub.jwtSecret)
  t.equal((await restarted.apiKeys()).serviceKey, second.body.service_key)
  // a secret the database never saw wins alone
  const fresh = randomBytes(32).toString('base64url')
  const operator = await hubWith(t, hub, fresh)
  const keys = await operator.apiKeys()
  t.equal(decodeJwt(keys.serviceKey).role, 'service_role')
  await jwtVerify(keys.serviceKey, new TextEncoder().encode(fresh))
  t.equal(await rest(operator.url, keys.anonKey, second.body.service_key), 401, 'the stored secrets do not pass there')

  t.equal((await hub.admin('POST', '/keys/rotate', second.body.service_key, { grace_seconds: -1 })).body.code, 'PGSA003')
})
