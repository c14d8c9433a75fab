import t from 'tap'
import { decodeJwt } from 'jose'
import { sharedAuthHub, startAuthHub } from './helpers.ts'

t.test('sign up with autoconfirm returns a session; sign in, get user, refresh, sign out', async (t) => {
  const hub = await sharedAuthHub()
  const auth = hub.client()
  const signUp = await auth.signUp({ email: 'Alice@Example.com', password: 'secret-pass', options: { data: { name: 'Alice' } } })
  t.error(signUp.error)
  t.ok(signUp.data.session, 'a session at sign-up (confirmation off by default)')
  t.equal(signUp.data.user?.email, 'alice@example.com')
  t.same(signUp.data.user?.user_metadata, { name: 'Alice' })
  t.same(signUp.data.user?.app_metadata, { provider: 'email', providers: ['email'] })
  t.equal(signUp.data.user?.identities?.length, 1)

  const signIn = await auth.signInWithPassword({ email: 'alice@example.com', password: 'secret-pass' })
  t.error(signIn.error)
  const session = signIn.data.session!
  const claims = decodeJwt(session.access_token)
  t.equal(claims.sub, signIn.data.user!.id)
  t.equal(claims.role, 'authenticated')
  t.equal(claims.aud, 'authenticated')
  t.equal(claims.email, 'alice@example.com')
  t.equal(claims.is_anonymous, false)
  t.equal(claims.aal, 'aal1')
  t.match(claims.amr, [{ method: 'password' }])
  t.type(claims.session_id, 'string')
  t.same(claims.user_metadata, { name: 'Alice' })
  t.equal(session.expires_in, 3600)

  const user = await auth.getUser(session.access_token)
  t.error(user.error)
  t.equal(user.data.user?.id, signIn.data.user!.id)

  const refreshed = await auth.refreshSession({ refresh_token: session.refresh_token })
  t.error(refreshed.error)
  t.not(refreshed.data.session?.refresh_token, session.refresh_token)
  t.equal(decodeJwt(refreshed.data.session!.access_token).session_id, claims.session_id)

  const audit = await hub.sql<{ action: string }>("SELECT payload->>'action' AS action FROM auth.audit_log_entries ORDER BY created_at")
  t.ok(audit.some((r) => r.action === 'login'))
  t.ok(audit.some((r) => r.action === 'token_refreshed'))
})

t.test('wrong password and unknown user both answer 400 invalid_credentials', async (t) => {
  const hub = await sharedAuthHub()
  const auth = hub.client()
  await auth.signUp({ email: 'bob@example.com', password: 'secret-pass' })
  const wrong = await auth.signInWithPassword({ email: 'bob@example.com', password: 'nope-nope' })
  t.equal(wrong.error?.status, 400)
  t.equal(wrong.error?.code, 'invalid_credentials')
  t.equal(wrong.error?.message, 'Invalid login credentials')
  const unknown = await auth.signInWithPassword({ email: 'nobody@example.com', password: 'nope-nope' })
  t.equal(unknown.error?.code, 'invalid_credentials')
  const raw = await hub.call('POST', '/token?grant_type=password', { email: 'bob@example.com', password: 'bad-password' })
  t.same(raw.body, { code: 'invalid_credentials', message: 'Invalid login credentials' })
  const legacy = await hub.call('POST', '/token?grant_type=password', { email: 'bob@example.com', password: 'bad-password' }, { 'x-supabase-api-version': '' })
  t.same(legacy.body, { code: 400, error_code: 'invalid_credentials', msg: 'Invalid login credentials' })
})

t.test('weak passwords are refused with reasons; duplicate sign-up is refused', async (t) => {
  const hub = await startAuthHub(t, { PGSTACK_AUTH_PASSWORD_REQUIRED_CHARACTERS: 'letters_digits' })
  const auth = hub.client()
  const weak = await auth.signUp({ email: 'carol@example.com', password: 'abc' })
  t.equal(weak.error?.status, 422)
  t.equal(weak.error?.code, 'weak_password')
  t.same((weak.error as { reasons?: string[] }).reasons, ['length', 'characters'])
  t.error((await auth.signUp({ email: 'carol@example.com', password: 'abcdef1' })).error)
  const again = await auth.signUp({ email: 'carol@example.com', password: 'abcdef1' })
  t.equal(again.error?.code, 'user_already_exists')
  const badEmail = await auth.signUp({ email: 'not-an-email', password: 'abcdef1' })
  t.equal(badEmail.error?.code, 'validation_failed')
})

t.test('signing in with a password the current rules refuse reports it (weakPassword), as GoTrue', async (t) => {
  const hub = await startAuthHub(t, { PGSTACK_AUTH_PASSWORD_REQUIRED_CHARACTERS: 'lower_upper_letters_digits' })
  await hub.sql(`INSERT INTO auth.users (email, encrypted_password, email_confirmed_at) VALUES ('old-rules@example.com', $1, now())`, [
    (await import('bcryptjs')).default.hashSync('lowercase', 4),
  ])
  const signIn = await hub.client().signInWithPassword({ email: 'old-rules@example.com', password: 'lowercase' })
  t.error(signIn.error)
  t.same(signIn.data.weakPassword?.reasons, ['characters'])
})

t.test('concurrent sign-ups of one address: one account, the others refused, no 500', async (t) => {
  const hub = await sharedAuthHub()
  const results = await Promise.all(
    Array.from({ length: 6 }, () => hub.call('POST', '/signup', { email: 'race@example.com', password: 'secret-pass' })),
  )
  const statuses = results.map((r) => r.status).sort()
  t.equal(statuses.filter((s) => s === 200).length, 1, JSON.stringify(results.map((r) => r.body.code ?? r.status)))
  t.ok(statuses.every((s) => s === 200 || s === 422), JSON.stringify(statuses))
  t.equal((await hub.sql<{ n: number }>("SELECT count(*)::int AS n FROM auth.users WHERE email = 'race@example.com'"))[0]!.n, 1)
})

t.test('tokens of a deleted user are refused', async (t) => {
  const hub = await sharedAuthHub()
  const { data } = await hub.client().signUp({ email: 'gone@example.com', password: 'secret-pass' })
  await hub.adminClient().admin.deleteUser(data.user!.id)
  const res = await hub.call('GET', '/user', undefined, { authorization: `Bearer ${data.session!.access_token}` })
  t.equal(res.status, 403)
  t.equal(res.body.code, 'user_not_found')
  const refreshed = await hub.call('POST', '/token?grant_type=refresh_token', { refresh_token: data.session!.refresh_token })
  t.equal(refreshed.body.code, 'refresh_token_not_found')
})
