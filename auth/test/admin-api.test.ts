import t from 'tap'
import bcrypt from 'bcryptjs'
import { sharedAuthHub, startAuthHub, readMail } from './helpers.ts'

t.test('the admin API needs the service role', async (t) => {
  const hub = await sharedAuthHub()
  const asAnon = await hub.call('GET', '/admin/users', undefined, { authorization: `Bearer ${hub.anonKey}` })
  t.equal(asAnon.status, 403)
  t.equal(asAnon.body.code, 'not_admin')
  const { data } = await hub.client().signUp({ email: 'user@example.com', password: 'secret-pass' })
  const asUser = await hub.call('GET', '/admin/users', undefined, { authorization: `Bearer ${data.session!.access_token}` })
  t.equal(asUser.body.code, 'not_admin')
  t.equal((await hub.call('GET', '/admin/users')).status, 401)
})

t.test('admin users: create, list with pagination, get, update, ban, delete', async (t) => {
  const hub = await startAuthHub(t)
  const admin = hub.adminClient().admin
  const created = await admin.createUser({ email: 'Ann@Example.com', password: 'secret-pass', email_confirm: true, user_metadata: { a: 1 }, app_metadata: { plan: 'pro' } })
  t.error(created.error)
  const ann = created.data.user!
  t.equal(ann.email, 'ann@example.com')
  t.ok(ann.email_confirmed_at)
  t.same(ann.app_metadata, { provider: 'email', providers: ['email'], plan: 'pro' })
  const dup = await admin.createUser({ email: 'ann@example.com', password: 'secret-pass' })
  t.equal(dup.error?.status, 422)
  t.equal(dup.error?.code, 'email_exists')
  for (const name of ['b', 'c', 'd']) t.error((await admin.createUser({ email: `${name}@example.com`, email_confirm: true })).error)

  const page1 = await admin.listUsers({ page: 1, perPage: 3 })
  t.error(page1.error)
  t.equal(page1.data.users.length, 3)
  t.equal((page1.data as { total?: number }).total, 4)
  t.equal((page1.data as { nextPage?: number }).nextPage, 2)
  t.equal((page1.data as { lastPage?: number }).lastPage, 2)
  const page2 = await admin.listUsers({ page: 2, perPage: 3 })
  t.equal(page2.data.users.length, 1)

  const got = await admin.getUserById(ann.id)
  t.equal(got.data.user?.email, 'ann@example.com')
  t.equal((await admin.getUserById('00000000-0000-0000-0000-000000000001')).error?.code, 'user_not_found')

  const updated = await admin.updateUserById(ann.id, { user_metadata: { b: 2 }, app_metadata: { plan: null as unknown as string } })
  t.error(updated.error)
  t.same(updated.data.user?.user_metadata, { a: 1, b: 2 })
  t.same(updated.data.user?.app_metadata, { provider: 'email', providers: ['email'] })

  const auth = hub.client()
  t.error((await auth.signInWithPassword({ email: 'ann@example.com', password: 'secret-pass' })).error)
  t.error((await admin.updateUserById(ann.id, { ban_duration: '24h' })).error)
  t.equal((await auth.signInWithPassword({ email: 'ann@example.com', password: 'secret-pass' })).error?.code, 'user_banned')
  t.error((await admin.updateUserById(ann.id, { ban_duration: 'none', password: 'changed-pass' })).error)
  t.error((await auth.signInWithPassword({ email: 'ann@example.com', password: 'changed-pass' })).error)

  t.error((await admin.deleteUser(ann.id)).error)
  t.equal((await admin.getUserById(ann.id)).error?.status, 404)
  t.equal((await hub.sql<{ n: number }>('SELECT count(*)::int AS n FROM auth.sessions'))[0]!.n, 0, 'sessions went with the user')
  const actions = await hub.sql<{ action: string }>("SELECT payload->>'action' AS action FROM auth.audit_log_entries WHERE payload->>'actor_username' = 'service_role'")
  t.ok(actions.some((r) => r.action === 'user_deleted'))
  t.ok(actions.some((r) => r.action === 'user_modified'))
})

t.test('generate_link returns link and code without mailing; invite mails', async (t) => {
  const hub = await startAuthHub(t, { PGSTACK_AUTH_AUTOCONFIRM: 'false' })
  const admin = hub.adminClient().admin
  const signup = await admin.generateLink({ type: 'signup', email: 'gen@example.com', password: 'secret-pass' })
  t.error(signup.error)
  t.equal(signup.data.user?.email, 'gen@example.com')
  t.equal(signup.data.properties?.verification_type, 'signup')
  t.match(signup.data.properties?.email_otp, /^\d{6}$/)
  t.ok(signup.data.properties?.action_link.includes(signup.data.properties.hashed_token))
  t.equal(await hub.lastMail('gen@example.com'), undefined, 'no mail')
  const auth = hub.client()
  const verified = await auth.verifyOtp({ token_hash: signup.data.properties!.hashed_token, type: 'signup' })
  t.error(verified.error)
  t.ok(verified.data.session)

  const recovery = await admin.generateLink({ type: 'recovery', email: 'gen@example.com' })
  t.error(recovery.error)
  t.error((await auth.verifyOtp({ email: 'gen@example.com', token: recovery.data.properties!.email_otp, type: 'recovery' })).error)
  const missing = await admin.generateLink({ type: 'magiclink', email: 'none@example.com' })
  t.equal(missing.error?.status, 404)

  const invited = await admin.inviteUserByEmail('new@example.com', { data: { team: 'x' } })
  t.error(invited.error)
  t.ok(invited.data.user?.invited_at)
  const mail = await hub.lastMail('new@example.com')
  t.equal(mail?.kind, 'invite')
  const res = await fetch(readMail(mail!.body_text).link, { redirect: 'manual' })
  const fragment = new URLSearchParams(new URL(res.headers.get('location')!).hash.slice(1))
  t.equal(fragment.get('type'), 'invite')
  t.ok(fragment.get('access_token'))
})

t.test('bcrypt hashes from a Supabase export sign in and are re-hashed with scrypt', async (t) => {
  const hub = await sharedAuthHub()
  const hash = bcrypt.hashSync('exported-pass', 4).replace(/^\$2b\$/, '$2a$')
  // As a dump of auth.users would restore it.
  await hub.sql(
    `INSERT INTO auth.users (id, email, encrypted_password, email_confirmed_at, raw_app_meta_data)
     VALUES ('11111111-1111-1111-1111-111111111111', 'old@example.com', $1, now(), '{"provider":"email","providers":["email"]}')`,
    [hash],
  )
  const auth = hub.client()
  t.equal((await auth.signInWithPassword({ email: 'old@example.com', password: 'wrong-pass' })).error?.code, 'invalid_credentials')
  const signIn = await auth.signInWithPassword({ email: 'old@example.com', password: 'exported-pass' })
  t.error(signIn.error)
  t.equal(signIn.data.user?.id, '11111111-1111-1111-1111-111111111111')
  const [row] = await hub.sql<{ encrypted_password: string }>("SELECT encrypted_password FROM auth.users WHERE email = 'old@example.com'")
  t.match(row!.encrypted_password, /^\$scrypt\$ln=10,r=8,p=1\$/)
  t.error((await auth.signInWithPassword({ email: 'old@example.com', password: 'exported-pass' })).error, 'signs in with the new hash')

  // And through the admin API's password_hash.
  const admin = hub.adminClient().admin
  const imported = await admin.createUser({ email: 'imp@example.com', password_hash: bcrypt.hashSync('imported-pass', 4), email_confirm: true } as never)
  t.error(imported.error)
  t.error((await auth.signInWithPassword({ email: 'imp@example.com', password: 'imported-pass' })).error)
  const bad = await admin.createUser({ email: 'x@example.com', password_hash: 'md5$abc' } as never)
  t.equal(bad.error?.code, 'validation_failed')
})
