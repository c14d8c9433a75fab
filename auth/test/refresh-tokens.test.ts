import t from 'tap'
import { SignJWT, decodeJwt } from 'jose'
import { AuthSessionMissingError } from '@supabase/auth-js'
import { sharedAuthHub, startAuthHub } from './helpers.ts'

async function signedIn(hub: Awaited<ReturnType<typeof startAuthHub>>, email: string) {
  const auth = hub.client()
  await auth.signUp({ email, password: 'secret-pass' })
  const { data } = await auth.signInWithPassword({ email, password: 'secret-pass' })
  return data.session!
}

const refresh = (hub: Awaited<ReturnType<typeof startAuthHub>>, token: string) =>
  hub.call('POST', '/token?grant_type=refresh_token', { refresh_token: token })

t.test('refresh tokens rotate; a lost response is recovered by reusing the parent', async (t) => {
  const hub = await sharedAuthHub()
  const session = await signedIn(hub, 'rt1@example.com')
  const first = await refresh(hub, session.refresh_token)
  t.equal(first.status, 200)
  const child = first.body.refresh_token
  t.not(child, session.refresh_token)
  const retry = await refresh(hub, session.refresh_token)
  t.equal(retry.status, 200, 'the parent still answers while its child is unused')
  t.equal(retry.body.refresh_token, child, 'with the same child, not a new branch')
  const next = await refresh(hub, child)
  t.equal(next.status, 200)
  const stored = await hub.sql<{ token: string }>('SELECT token FROM auth.refresh_tokens')
  t.notOk(stored.some((r) => r.token === session.refresh_token || r.token === child), 'only hashes are stored')
})

t.test('concurrent refreshes of one token all succeed with the same child', async (t) => {
  const hub = await sharedAuthHub()
  const session = await signedIn(hub, 'rt2@example.com')
  const results = await Promise.all(Array.from({ length: 8 }, () => refresh(hub, session.refresh_token)))
  t.same(results.map((r) => r.status), Array(8).fill(200))
  t.equal(new Set(results.map((r) => r.body.refresh_token)).size, 1)
  const sessionId = decodeJwt(session.access_token).session_id
  const active = await hub.sql<{ n: number }>('SELECT count(*)::int AS n FROM auth.refresh_tokens WHERE NOT revoked AND session_id = $1', [sessionId])
  t.equal(active[0]!.n, 1, 'one live token in the family')
})

t.test('reusing a revoked token past the reuse interval revokes the whole family', async (t) => {
  const hub = await startAuthHub(t, { PGSTACK_AUTH_REFRESH_TOKEN_REUSE_INTERVAL: '0' })
  const session = await signedIn(hub, 'rt3@example.com')
  const t1 = (await refresh(hub, session.refresh_token)).body.refresh_token
  const t2 = (await refresh(hub, t1)).body.refresh_token
  const stolen = await refresh(hub, session.refresh_token)
  t.equal(stolen.status, 400)
  t.equal(stolen.body.code, 'refresh_token_already_used')
  t.equal(stolen.body.message, 'Invalid Refresh Token: Already Used')
  const legit = await refresh(hub, t2)
  t.equal(legit.status, 400, 'the current token of the family is dead too')
  t.equal(legit.body.code, 'refresh_token_already_used')
  const unknown = await refresh(hub, 'not-a-token')
  t.equal(unknown.body.code, 'refresh_token_not_found')
  const actions = await hub.sql<{ action: string }>("SELECT payload->>'action' AS action FROM auth.audit_log_entries")
  t.ok(actions.some((r) => r.action === 'token_revoked'))
})

t.test('expired, tampered and foreign tokens are refused with 403 bad_jwt', async (t) => {
  const hub = await sharedAuthHub()
  const session = await signedIn(hub, 'rt4@example.com')
  const getUser = (token: string) => hub.call('GET', '/user', undefined, { authorization: `Bearer ${token}` })
  t.equal((await getUser(session.access_token)).status, 200)

  const expired = await hub.signToken({ sub: session.user.id, role: 'authenticated', session_id: (await hub.sql<{ id: string }>('SELECT id FROM auth.sessions'))[0]!.id }, -60)
  const e = await getUser(expired)
  t.equal(e.status, 403)
  t.equal(e.body.code, 'bad_jwt')

  const [h, p, s] = session.access_token.split('.')
  const payload = JSON.parse(Buffer.from(p!, 'base64url').toString())
  payload.role = 'service_role'
  const tampered = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`
  t.equal((await getUser(tampered)).body.code, 'bad_jwt')

  const foreign = await new SignJWT({ sub: session.user.id, role: 'authenticated' })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode('another-secret-another-secret-another-secret'))
  t.equal((await getUser(foreign)).body.code, 'bad_jwt')
  const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`
  t.equal((await getUser(none)).body.code, 'bad_jwt')
  const missing = await hub.call('GET', '/user')
  t.equal(missing.status, 401)
  t.equal(missing.body.code, 'no_authorization')
})

t.test('logout scopes: local ends this session, others the rest, global all', async (t) => {
  const hub = await sharedAuthHub()
  const a = await signedIn(hub, 'rt5@example.com')
  const auth = hub.client()
  const b = (await auth.signInWithPassword({ email: 'rt5@example.com', password: 'secret-pass' })).data.session!
  const c = (await auth.signInWithPassword({ email: 'rt5@example.com', password: 'secret-pass' })).data.session!
  const bearer = (s: { access_token: string }) => ({ authorization: `Bearer ${s.access_token}` })

  t.equal((await hub.call('POST', '/logout?scope=others', undefined, bearer(a))).status, 204)
  t.equal((await refresh(hub, b.refresh_token)).status, 400, 'other session ended')
  t.equal((await refresh(hub, a.refresh_token)).status, 200, 'own session kept')
  const gone = await auth.getUser(c.access_token)
  t.type(gone.error, AuthSessionMissingError, 'auth-js sees session_not_found as a missing session')

  const d = (await auth.signInWithPassword({ email: 'rt5@example.com', password: 'secret-pass' })).data.session!
  t.equal((await hub.call('POST', '/logout?scope=local', undefined, bearer(d))).status, 204)
  t.equal((await hub.call('GET', '/user', undefined, bearer(d))).body.code, 'session_not_found')
  t.equal((await hub.call('GET', '/user', undefined, bearer(a))).status, 200)

  const e = (await auth.signInWithPassword({ email: 'rt5@example.com', password: 'secret-pass' })).data.session!
  t.error((await auth.admin.signOut(e.access_token, 'global')).error)
  t.equal((await hub.sql<{ n: number }>('SELECT count(*)::int AS n FROM auth.sessions WHERE user_id = $1', [a.user.id]))[0]!.n, 0)
  t.equal((await hub.call('POST', '/logout?scope=bogus', undefined, bearer(a))).status, 400)
})

t.test('sessions past their timebox or idle past the inactivity timeout cannot refresh', async (t) => {
  const hub = await startAuthHub(t, { PGSTACK_AUTH_SESSION_TIMEBOX: '86400', PGSTACK_AUTH_SESSION_INACTIVITY_TIMEOUT: '3600' })
  const old = await signedIn(hub, 'box1@example.com')
  await hub.sql(`UPDATE auth.sessions SET created_at = now() - interval '2 days', refreshed_at = now() WHERE user_id = $1`, [old.user.id])
  const boxed = await refresh(hub, old.refresh_token)
  t.equal(boxed.status, 400)
  t.equal(boxed.body.code, 'session_expired')
  const idle = await signedIn(hub, 'box2@example.com')
  await hub.sql(`UPDATE auth.sessions SET refreshed_at = now() - interval '2 hours' WHERE user_id = $1`, [idle.user.id])
  t.equal((await refresh(hub, idle.refresh_token)).body.code, 'session_expired')
  const active = await signedIn(hub, 'box3@example.com')
  t.equal((await refresh(hub, active.refresh_token)).status, 200)
})
