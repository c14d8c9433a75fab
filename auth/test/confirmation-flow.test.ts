import t from 'tap'
import { AuthClient } from '@supabase/auth-js'
import { sharedAuthHub, readMail } from './helpers.ts'

const CONFIRM = { PGSTACK_AUTH_AUTOCONFIRM: 'false', PGSTACK_AUTH_SITE_URL: 'http://app.test', PGSTACK_AUTH_REDIRECT_URLS: 'http://localhost:*/**' }

t.test('with confirmation on, sign-up mails a code; the code verifies and signs in', async (t) => {
  const hub = await sharedAuthHub(CONFIRM)
  const auth = hub.client()
  const signUp = await auth.signUp({ email: 'dan@example.com', password: 'secret-pass' })
  t.error(signUp.error)
  t.equal(signUp.data.session, null, 'no session before confirmation')
  t.ok(signUp.data.user?.confirmation_sent_at)
  t.notOk(signUp.data.user?.email_confirmed_at)

  const early = await auth.signInWithPassword({ email: 'dan@example.com', password: 'secret-pass' })
  t.equal(early.error?.code, 'email_not_confirmed')

  const mail = await hub.lastMail('dan@example.com')
  t.equal(mail?.kind, 'confirmation')
  const { otp } = readMail(mail!.body_text)
  t.match(otp, /^\d{6}$/)
  const wrong = await auth.verifyOtp({ email: 'dan@example.com', token: otp === '000000' ? '111111' : '000000', type: 'signup' })
  t.equal(wrong.error?.status, 403)
  t.equal(wrong.error?.code, 'otp_expired')
  const verified = await auth.verifyOtp({ email: 'dan@example.com', token: otp, type: 'signup' })
  t.error(verified.error)
  t.ok(verified.data.session?.access_token)
  t.ok(verified.data.user?.email_confirmed_at)
  const again = await auth.verifyOtp({ email: 'dan@example.com', token: otp, type: 'signup' })
  t.equal(again.error?.code, 'otp_expired', 'a code works once')

  const signIn = await auth.signInWithPassword({ email: 'dan@example.com', password: 'secret-pass' })
  t.error(signIn.error)

  // Signing up again with a confirmed address does not reveal it: a look-alike user, no new mail.
  const repeat = await auth.signUp({ email: 'dan@example.com', password: 'other-pass' })
  t.error(repeat.error)
  t.not(repeat.data.user?.id, signIn.data.user?.id)
  t.equal((await hub.sql("SELECT count(*)::int AS n FROM auth.mail_outbox WHERE recipient = 'dan@example.com'"))[0]!.n, 1)
})

t.test('GET /verify follows the mailed link and redirects with the session in the fragment', async (t) => {
  const hub = await sharedAuthHub(CONFIRM)
  await hub.client().signUp({ email: 'erin@example.com', password: 'secret-pass', options: { emailRedirectTo: 'http://localhost:5173/welcome' } })
  const { link } = readMail((await hub.lastMail('erin@example.com'))!.body_text)
  t.ok(link.startsWith(`${hub.authUrl}/verify?`), link)
  const res = await fetch(link, { redirect: 'manual' })
  t.equal(res.status, 303)
  const location = new URL(res.headers.get('location')!)
  t.equal(`${location.origin}${location.pathname}`, 'http://localhost:5173/welcome')
  const fragment = new URLSearchParams(location.hash.slice(1))
  t.ok(fragment.get('access_token'))
  t.ok(fragment.get('refresh_token'))
  t.equal(fragment.get('type'), 'signup')

  const reused = await fetch(link, { redirect: 'manual' })
  const failed = new URL(reused.headers.get('location')!)
  const error = new URLSearchParams(failed.hash.slice(1))
  t.equal(error.get('error_code'), 'otp_expired')
  t.equal(error.get('error'), 'access_denied')
})

t.test('a redirect_to outside the allow-list falls back to the site URL', async (t) => {
  const hub = await sharedAuthHub(CONFIRM)
  await hub.client().signUp({ email: 'fay@example.com', password: 'secret-pass', options: { emailRedirectTo: 'https://evil.example/steal' } })
  const { link } = readMail((await hub.lastMail('fay@example.com'))!.body_text)
  const res = await fetch(link, { redirect: 'manual' })
  t.match(res.headers.get('location'), /^http:\/\/app\.test#access_token=/)
})

t.test('PKCE: the link redirects with ?code=, which exchangeCodeForSession trades with the verifier', async (t) => {
  const hub = await sharedAuthHub(CONFIRM)
  const auth = new AuthClient({
    url: hub.authUrl,
    headers: { apikey: hub.anonKey },
    persistSession: false,
    autoRefreshToken: false,
    detectSessionInUrl: false,
    flowType: 'pkce',
  })
  t.error((await auth.signUp({ email: 'gus@example.com', password: 'secret-pass', options: { emailRedirectTo: 'http://localhost:3000/cb' } })).error)
  const { link } = readMail((await hub.lastMail('gus@example.com'))!.body_text)
  t.match(new URL(link).searchParams.get('token'), /^pkce_/)
  const res = await fetch(link, { redirect: 'manual' })
  const location = new URL(res.headers.get('location')!)
  const code = location.searchParams.get('code')
  t.ok(code, 'auth code in the query')
  t.equal(location.hash, '', 'no tokens in the URL')
  const exchanged = await auth.exchangeCodeForSession(code!)
  t.error(exchanged.error)
  t.equal(exchanged.data.user?.email, 'gus@example.com')
  const replay = await hub.call('POST', '/token?grant_type=pkce', { auth_code: code, code_verifier: 'x'.repeat(43) })
  t.equal(replay.status, 404)
  t.equal(replay.body.code, 'flow_state_not_found')
})

t.test('PKCE exchange with the wrong verifier is refused', async (t) => {
  const hub = await sharedAuthHub(CONFIRM)
  const verifier = 'v'.repeat(50)
  const { createHash } = await import('node:crypto')
  const challenge = createHash('sha256').update(verifier).digest('base64url')
  const signUp = await hub.call('POST', '/signup', { email: 'hal@example.com', password: 'secret-pass', code_challenge: challenge, code_challenge_method: 's256' })
  t.equal(signUp.status, 200)
  const { link } = readMail((await hub.lastMail('hal@example.com'))!.body_text)
  const code = new URL((await fetch(link, { redirect: 'manual' })).headers.get('location')!).searchParams.get('code')
  const bad = await hub.call('POST', '/token?grant_type=pkce', { auth_code: code, code_verifier: 'w'.repeat(50) })
  t.equal(bad.status, 403)
  t.equal(bad.body.code, 'bad_code_verifier')
  const good = await hub.call('POST', '/token?grant_type=pkce', { auth_code: code, code_verifier: verifier })
  t.equal(good.status, 200)
  t.ok(good.body.access_token)
})

t.test('resend sends the confirmation again; unknown addresses get the same answer', async (t) => {
  const hub = await sharedAuthHub(CONFIRM)
  const auth = hub.client()
  await auth.signUp({ email: 'ivy@example.com', password: 'secret-pass' })
  const first = readMail((await hub.lastMail('ivy@example.com'))!.body_text)
  t.error((await auth.resend({ type: 'signup', email: 'ivy@example.com' })).error)
  const second = readMail((await hub.lastMail('ivy@example.com'))!.body_text)
  t.not(second.otp + second.link, first.otp + first.link)
  t.error((await auth.resend({ type: 'signup', email: 'nobody@example.com' })).error)
  t.error((await auth.verifyOtp({ email: 'ivy@example.com', token: second.otp, type: 'signup' })).error)
})
