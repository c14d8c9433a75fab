import t from 'tap'
import { generateKeyPairSync } from 'node:crypto'
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { startAuthHub } from './helpers.ts'

t.test('settings, health and an empty JWKS with the default HS256 key', async (t) => {
  const hub = await startAuthHub(t)
  const settings = await hub.call('GET', '/settings')
  t.equal(settings.status, 200)
  t.equal(settings.body.external.email, true)
  t.equal(settings.body.external.anonymous_users, true)
  t.equal(settings.body.mailer_autoconfirm, true)
  t.equal(settings.body.disable_signup, false)
  const health = await hub.call('GET', '/health')
  t.equal(health.body.name, 'GoTrue')
  t.same((await hub.call('GET', '/.well-known/jwks.json')).body, { keys: [] })
  const missing = await hub.call('GET', '/nope')
  t.equal(missing.status, 404)
  const cors = await fetch(`${hub.authUrl}/token`, { method: 'OPTIONS' })
  t.equal(cors.status, 204)
  t.equal(cors.headers.get('access-control-allow-origin'), '*')
})

t.test('with an ES256 key, tokens carry its kid and verify against the published JWKS', async (t) => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const hub = await startAuthHub(t, { PGSTACK_AUTH_JWT_PRIVATE_KEY: pem })
  const jwks = (await hub.call('GET', '/.well-known/jwks.json')).body
  t.equal(jwks.keys.length, 1)
  t.equal(jwks.keys[0].alg, 'ES256')
  t.notOk(jwks.keys[0].d, 'no private part')
  const { data } = await hub.client().signUp({ email: 'es@example.com', password: 'secret-pass' })
  const token = data.session!.access_token
  t.equal(decodeProtectedHeader(token).kid, jwks.keys[0].kid)
  const { payload } = await jwtVerify(token, createLocalJWKSet(jwks))
  t.equal(payload.email, 'es@example.com')
  t.equal((await hub.call('GET', '/user', undefined, { authorization: `Bearer ${token}` })).status, 200)
  // HS256 tokens signed with the shared secret (the API keys) still verify.
  const service = await hub.call('GET', '/admin/users', undefined, { authorization: `Bearer ${hub.serviceKey}` })
  t.equal(service.status, 200)
})

t.test('rate limits answer 429 as GoTrue does', async (t) => {
  const hub = await startAuthHub(t, { PGSTACK_AUTH_RATE_LIMIT_SIGN_IN: '3', PGSTACK_AUTH_EMAIL_MIN_INTERVAL: '60' })
  const auth = hub.client()
  for (let i = 0; i < 3; i++) await auth.signInWithPassword({ email: 'nobody@example.com', password: 'whatever' })
  const limited = await auth.signInWithPassword({ email: 'nobody@example.com', password: 'whatever' })
  t.equal(limited.error?.status, 429)
  t.equal(limited.error?.code, 'over_request_rate_limit')

  t.error((await auth.resetPasswordForEmail('someone@example.com')).error)
  const again = await auth.resetPasswordForEmail('someone@example.com')
  t.equal(again.error?.status, 429)
  t.equal(again.error?.code, 'over_email_send_rate_limit')
  t.match(again.error?.message, /after 60 seconds/)
})

t.test('sign-ups can be disabled', async (t) => {
  const hub = await startAuthHub(t, { PGSTACK_AUTH_DISABLE_SIGNUP: 'true' })
  const res = await hub.client().signUp({ email: 'no@example.com', password: 'secret-pass' })
  t.equal(res.error?.code, 'signup_disabled')
})
