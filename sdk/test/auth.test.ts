// Auth flows through @pgstack/sdk against /auth/v1 on a running stack, and the session's token
// flowing into /rest/v1 (RLS sees the user) and into the live connection.
import t from 'tap'
import type { AuthChangeEvent, LiveTransportFactory, SupportedStorage } from '@pgstack/sdk/pgstack'
import { createClient } from '@pgstack/sdk/pgstack'
import type { Database } from './database.ts'
import { createFakeHub } from './fake-transport.ts'
import { startSdkStack } from './stack.ts'

const stack = await startSdkStack(t)
const titles = (rows: Array<{ title: string }> | null) => rows?.map((r) => r.title).sort()

t.test('sign up, REST as the user under RLS, update the user, sign out back to anon', async (t) => {
  const pgstack = stack.client()
  const events: AuthChangeEvent[] = []
  pgstack.auth.onAuthStateChange((event) => void events.push(event))
  const signUp = await pgstack.auth.signUp({
    email: 'ann@example.com',
    password: 'secret-pass',
    options: { data: { name: 'Ann' } },
  })
  t.error(signUp.error)
  t.ok(signUp.data.session, 'autoconfirm: a session at sign-up')
  const userId = signUp.data.user!.id

  const session = await pgstack.auth.getSession()
  t.equal(session.data.session?.user.id, userId)
  const user = await pgstack.auth.getUser()
  t.equal(user.data.user?.email, 'ann@example.com')

  // REST requests now carry the user's token: the default owner is auth.uid() and RLS shows it.
  const mine = await pgstack
    .from('todos')
    .insert({ title: 'ann private' })
    .select('title, owner')
    .single()
  t.same(mine.data, { title: 'ann private', owner: userId })
  const anon = stack.client()
  t.same(
    titles((await anon.from('todos').select('title').eq('title', 'ann private')).data),
    [],
    'anon cannot see it',
  )
  t.same(titles((await pgstack.from('todos').select('title').eq('title', 'ann private')).data), [
    'ann private',
  ])

  const updated = await pgstack.auth.updateUser({ data: { name: 'Ann B' } })
  t.equal(updated.data.user?.user_metadata.name, 'Ann B')

  t.error((await pgstack.auth.signOut()).error)
  t.equal((await pgstack.auth.getSession()).data.session, null)
  t.same(
    titles((await pgstack.from('todos').select('title').eq('title', 'ann private')).data),
    [],
    'anon again after sign-out',
  )
  t.same(events, ['INITIAL_SESSION', 'SIGNED_IN', 'USER_UPDATED', 'SIGNED_OUT'])
})

t.test('sign in with password; wrong password is invalid_credentials', async (t) => {
  const pgstack = stack.client()
  await pgstack.auth.signUp({ email: 'bob@example.com', password: 'secret-pass' })
  await pgstack.auth.signOut()
  const wrong = await pgstack.auth.signInWithPassword({
    email: 'bob@example.com',
    password: 'wrong-pass',
  })
  t.equal(wrong.error?.status, 400)
  t.equal(wrong.error?.code, 'invalid_credentials')
  const right = await pgstack.auth.signInWithPassword({
    email: 'bob@example.com',
    password: 'secret-pass',
  })
  t.error(right.error)
  t.equal(right.data.user?.email, 'bob@example.com')

  const before = right.data.session!
  const refreshed = await pgstack.auth.refreshSession()
  t.error(refreshed.error)
  t.not(
    refreshed.data.session?.refresh_token,
    before.refresh_token,
    'refresh rotates the refresh token',
  )
})

t.test('email OTP: signInWithOtp then verifyOtp with the mailed code', async (t) => {
  const pgstack = stack.client()
  const sent = await pgstack.auth.signInWithOtp({ email: 'otp@example.com' })
  t.error(sent.error)
  const code = await stack.lastOtp('otp@example.com')
  t.ok(code, 'a code was mailed')
  const verified = await pgstack.auth.verifyOtp({
    email: 'otp@example.com',
    token: code!,
    type: 'email',
  })
  t.error(verified.error)
  t.equal(verified.data.user?.email, 'otp@example.com')
  t.equal((await pgstack.auth.getSession()).data.session?.user.email, 'otp@example.com')
})

t.test('anonymous sign-in is an authenticated user with is_anonymous', async (t) => {
  const pgstack = stack.client()
  const anon = await pgstack.auth.signInAnonymously()
  t.error(anon.error)
  t.equal(anon.data.user?.is_anonymous, true)
  const row = await pgstack
    .from('todos')
    .insert({ title: 'anon user row' })
    .select('owner')
    .single()
  t.equal(row.data?.owner, anon.data.user!.id)
})

t.test(
  'password reset: resetPasswordForEmail, verifyOtp recovery, updateUser password',
  async (t) => {
    const pgstack = stack.client()
    await pgstack.auth.signUp({ email: 'carl@example.com', password: 'old-secret' })
    await pgstack.auth.signOut()
    t.error((await pgstack.auth.resetPasswordForEmail('carl@example.com')).error)
    const code = await stack.lastOtp('carl@example.com')
    const recovered = await pgstack.auth.verifyOtp({
      email: 'carl@example.com',
      token: code!,
      type: 'recovery',
    })
    t.error(recovered.error)
    t.error((await pgstack.auth.updateUser({ password: 'new-secret' })).error)
    await pgstack.auth.signOut()
    t.error(
      (await pgstack.auth.signInWithPassword({ email: 'carl@example.com', password: 'new-secret' }))
        .error,
    )
  },
)

t.test('admin with the service key: create, list, delete users', async (t) => {
  const admin = createClient<Database>(stack.url, stack.serviceKey, {
    auth: { persistSession: false, autoRefreshToken: false },
  })
  t.teardown(() => admin.close())
  const created = await admin.auth.admin.createUser({
    email: 'dee@example.com',
    password: 'secret-pass',
    email_confirm: true,
  })
  t.error(created.error)
  const listed = await admin.auth.admin.listUsers()
  t.ok(listed.data.users.some((u) => u.email === 'dee@example.com'))
  t.error((await admin.auth.admin.deleteUser(created.data.user!.id)).error)
  const forbidden = await stack.client().auth.admin.listUsers()
  t.ok(forbidden.error, 'the anon key is not an admin')
})

t.test('a session persists in the given storage and is picked up by a new client', async (t) => {
  const memory = new Map<string, string>()
  const storage: SupportedStorage = {
    getItem: (key) => memory.get(key) ?? null,
    setItem: (key, value) => void memory.set(key, value),
    removeItem: (key) => void memory.delete(key),
  }
  const first = stack.client({ auth: { persistSession: true, storage } })
  const signed = await first.auth.signUp({ email: 'eve@example.com', password: 'secret-pass' })
  await first.from('todos').insert({ title: 'eve private' })
  t.ok(
    [...memory.keys()].some((k) => k.includes('auth-token')),
    'the session is stored',
  )

  const second = stack.client({ auth: { persistSession: true, storage } })
  t.equal((await second.auth.getSession()).data.session?.user.id, signed.data.user!.id)
  t.same(titles((await second.from('todos').select('title').eq('title', 'eve private')).data), [
    'eve private',
  ])
})

t.test(
  'short-lived tokens are refreshed before expiry and reach the live connection',
  async (t) => {
    const short = await startSdkStack(t, { PGSTACK_AUTH_JWT_EXPIRY: '30' })
    const hub = createFakeHub()
    const pgstack = short.client({ live: { transport: hub.factory as LiveTransportFactory } })
    const events: AuthChangeEvent[] = []
    pgstack.auth.onAuthStateChange((event) => void events.push(event))
    const signed = await pgstack.auth.signUp({ email: 'fay@example.com', password: 'secret-pass' })
    const first = signed.data.session!.access_token
    const live = pgstack.live('anything')
    while (!hub.connections[0]?.token) await new Promise((resolve) => setTimeout(resolve, 5))
    const subject = (jwt: string) =>
      JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()).sub
    t.equal(
      subject(hub.connections[0].token),
      signed.data.user!.id,
      "the live socket connects with the user's token",
    )

    // Within auth-js's expiry margin, the next request refreshes the session first.
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const mine = await pgstack.from('todos').select('owner').limit(1)
    t.error(mine.error)
    t.ok(events.includes('TOKEN_REFRESHED'), 'the token was refreshed before expiry')
    const pushed = hub.connections[0]!.tokens
    t.ok(
      pushed.length > 0 && pushed.at(-1) !== first,
      'the refreshed token was sent to the live connection',
    )
    const current = (await pgstack.auth.getSession()).data.session?.access_token
    t.equal(pushed.at(-1), current)
    live.close()

    await pgstack.auth.signOut()
    t.equal(
      hub.connections[0]!.tokens.at(-1),
      short.anonKey,
      'sign-out drops the live connection to anon',
    )
  },
)
