import t from 'tap'
import { startAdminHub } from './admin-fixture.ts'

// Fills a route's parameters with values of the right shape, so that only the caller decides.
const samplePath = (path: string) =>
  path
    .replace(/:user_id|:id/g, '00000000-0000-4000-8000-000000000001')
    .replace(/:schema/g, 'public')
    .replace(/:name/g, 'todos')

t.test('every admin endpoint refuses anon and an ordinary signed-in user (401/403), and serves the service key', async (t) => {
  const hub = await startAdminHub(t)
  const user = await hub.signUp('ordinary@example.com')
  const index = await hub.admin('GET', '', hub.serviceKey)
  t.equal(index.status, 200)
  t.equal(index.body.version, 1)
  const endpoints = index.body.endpoints as Array<{ method: string; path: string }>
  t.ok(endpoints.length >= 5, 'the index lists the endpoints')
  for (const { method, path } of endpoints) {
    const sub = samplePath(path.replace(/^\/admin\/v1/, ''))
    const body = method === 'GET' || method === 'DELETE' ? undefined : {}
    const none = await hub.admin(method, sub, null, body)
    t.equal(none.status, 401, `${method} ${path} without a token`)
    t.equal(none.body.code, 'PGSA001', `${method} ${path} without a token: code`)
    const anon = await hub.admin(method, sub, hub.anonKey, body)
    t.equal(anon.status, 403, `${method} ${path} with the anon key`)
    t.equal(anon.body.code, 'PGSA002')
    const signedIn = await hub.admin(method, sub, user.accessToken, body)
    t.equal(signedIn.status, 403, `${method} ${path} as an ordinary signed-in user`)
    t.equal(signedIn.body.code, 'PGSA002')
    const forged = await hub.admin(method, sub, await hub.signToken({ role: 'service_role' }).then((tok) => `${tok.slice(0, -4)}AAAA`), body)
    t.equal(forged.status, 401, `${method} ${path} with a forged signature`)
    t.equal(forged.body.code, 'PGRST301')
    const expired = await hub.admin(method, sub, await hub.signToken({ role: 'service_role' }, -60), body)
    t.equal(expired.status, 401, `${method} ${path} with an expired service token`)
    t.equal(expired.body.code, 'PGRST303')
  }
  // unknown paths tell nothing before authorisation either
  t.equal((await hub.admin('GET', '/nope', null)).status, 401)
  t.equal((await hub.admin('GET', '/nope', hub.anonKey)).status, 403)
  const unknown = await hub.admin('GET', '/nope', hub.serviceKey)
  t.equal(unknown.status, 404)
  t.same(Object.keys(unknown.body).sort(), ['code', 'details', 'hint', 'message'])
  t.equal(unknown.body.code, 'PGSA004')
})

t.test('an admin user exchanges their access token for a Studio token; revoking the admin ends it at once', async (t) => {
  const hub = await startAdminHub(t)
  const ada = await hub.signUp('ada@example.com')
  const bob = await hub.signUp('bob@example.com')

  const refused = await hub.admin('POST', '/token', ada.accessToken)
  t.equal(refused.status, 403, 'not an admin yet')
  t.equal(refused.body.code, 'PGSA002')

  const granted = await hub.admin('PUT', `/admins/${ada.id}`, hub.serviceKey)
  t.equal(granted.status, 200)
  t.equal(granted.body.email, 'ada@example.com')
  t.equal((await hub.admin('PUT', `/admins/${ada.id}`, hub.serviceKey)).status, 200, 'granting twice is fine')

  const exchanged = await hub.admin('POST', '/token', ada.accessToken)
  t.equal(exchanged.status, 200)
  t.equal(exchanged.body.token_type, 'bearer')
  t.ok(exchanged.body.expires_in <= 900 && exchanged.body.expires_in > 800, 'lives 15 minutes')
  t.same(exchanged.body.user, { id: ada.id, email: 'ada@example.com' })
  const studio = exchanged.body.access_token as string

  const me = await hub.admin('GET', '/session', studio)
  t.equal(me.status, 200)
  t.same(me.body.user, { id: ada.id, email: 'ada@example.com' })
  t.equal(me.body.kind, 'admin_user')
  t.equal((await hub.admin('GET', '/session', hub.serviceKey)).body.kind, 'service_key')

  // the Studio token is a service-role token for /rest/v1 as well
  await hub.sql('CREATE TABLE public.secrets (id int PRIMARY KEY, v text); ALTER TABLE public.secrets ENABLE ROW LEVEL SECURITY')
  await hub.sql("INSERT INTO public.secrets VALUES (1, 'thé')")
  let rows: unknown
  for (let i = 0; i < 50; i++) {
    // the schema cache reloads shortly after the DDL
    const rest = await fetch(`${hub.url}/rest/v1/secrets`, { headers: { apikey: hub.anonKey, authorization: `Bearer ${studio}` } })
    rows = await rest.json()
    if (rest.status !== 404) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  t.same(rows, [{ id: 1, v: 'thé' }], 'RLS bypassed as service_role')

  t.equal((await hub.admin('POST', '/token', bob.accessToken)).status, 403, 'another user is still refused')
  t.equal((await hub.admin('POST', '/token', studio)).status, 403, 'a service-role token is not exchanged again')

  const list = await hub.admin('GET', '/admins', studio)
  t.same(list.body.admins.map((a: { email: string }) => a.email), ['ada@example.com'])

  t.equal((await hub.admin('DELETE', `/admins/${ada.id}`, hub.serviceKey)).status, 204)
  const revoked = await hub.admin('GET', '/session', studio)
  t.equal(revoked.status, 401, 'revoked at once on /admin/v1')
  t.equal(revoked.body.code, 'PGSA010')
  t.equal((await hub.admin('DELETE', `/admins/${ada.id}`, hub.serviceKey)).status, 404)
})

t.test('a Studio token stops working when its session is signed out or the user is banned', async (t) => {
  const hub = await startAdminHub(t)
  const ada = await hub.signUp('ada@example.com')
  await hub.sql('INSERT INTO pgstack.admins (user_id) VALUES ($1)', [ada.id])
  const studio = (await hub.admin('POST', '/token', ada.accessToken)).body.access_token as string
  t.equal((await hub.admin('GET', '/session', studio)).status, 200)
  await fetch(`${hub.url}/auth/v1/logout`, { method: 'POST', headers: { apikey: hub.anonKey, authorization: `Bearer ${ada.accessToken}` } })
  const after = await hub.admin('GET', '/session', studio)
  t.equal(after.status, 401)
  t.match(after.body.details, /session/)

  const again = await hub.signUp('grace@example.com')
  await hub.sql('INSERT INTO pgstack.admins (user_id) VALUES ($1)', [again.id])
  const token = (await hub.admin('POST', '/token', again.accessToken)).body.access_token as string
  await hub.sql("UPDATE auth.users SET banned_until = now() + interval '1 day' WHERE id = $1", [again.id])
  const banned = await hub.admin('GET', '/session', token)
  t.equal(banned.status, 401)
  t.match(banned.body.details, /banned/)
  t.equal((await hub.admin('POST', '/token', again.accessToken)).status, 403, 'a banned admin cannot exchange')
})

t.test('bad input gets 400 PGSA003 or 404 PGSA004 in PostgREST shape', async (t) => {
  const hub = await startAdminHub(t)
  const bad = await hub.admin('PUT', '/admins/not-a-uuid', hub.serviceKey)
  t.equal(bad.status, 400)
  t.equal(bad.body.code, 'PGSA003')
  const missing = await hub.admin('PUT', '/admins/00000000-0000-4000-8000-000000000009', hub.serviceKey)
  t.equal(missing.status, 404)
  t.equal(missing.body.code, 'PGSA004')
  const method = await hub.admin('PATCH', '/session', hub.serviceKey, {})
  t.equal(method.status, 405)
  t.equal(method.body.code, 'PGSA005')
})
