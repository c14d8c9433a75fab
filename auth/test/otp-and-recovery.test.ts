import t from 'tap'
import { sharedAuthHub, startAuthHub, readMail } from './helpers.ts'

t.test('signInWithOtp creates an unknown address, the mailed code signs in', async (t) => {
  const hub = await sharedAuthHub()
  const auth = hub.client()
  const sent = await auth.signInWithOtp({ email: 'jay@example.com' })
  t.error(sent.error)
  t.equal(sent.data.session, null)
  const mail = await hub.lastMail('jay@example.com')
  t.equal(mail?.kind, 'confirmation', 'a new address gets the sign-up confirmation')
  const verified = await auth.verifyOtp({ email: 'jay@example.com', token: readMail(mail!.body_text).otp, type: 'email' })
  t.error(verified.error)
  t.ok(verified.data.user?.email_confirmed_at)

  // Known and confirmed: a magic link, whose link signs in too.
  t.error((await auth.signInWithOtp({ email: 'jay@example.com' })).error)
  const magic = await hub.lastMail('jay@example.com')
  t.equal(magic?.kind, 'magiclink')
  const res = await fetch(readMail(magic!.body_text).link, { redirect: 'manual' })
  const fragment = new URLSearchParams(new URL(res.headers.get('location')!).hash.slice(1))
  t.ok(fragment.get('access_token'))
  t.equal(fragment.get('type'), 'magiclink')
})

t.test('shouldCreateUser: false refuses unknown addresses; /magiclink works like /otp', async (t) => {
  const hub = await sharedAuthHub()
  const auth = hub.client()
  const refused = await auth.signInWithOtp({ email: 'kim@example.com', options: { shouldCreateUser: false } })
  t.equal(refused.error?.status, 422)
  t.equal(refused.error?.code, 'otp_disabled')
  const magic = await hub.call('POST', '/magiclink', { email: 'kim@example.com' })
  t.equal(magic.status, 200)
  t.ok(await hub.lastMail('kim@example.com'))
  const phone = await auth.signInWithOtp({ phone: '+15555550100' })
  t.equal(phone.error?.code, 'phone_provider_disabled')
})

t.test('recovery: same answer for unknown addresses; the code signs in and the password changes', async (t) => {
  const hub = await sharedAuthHub()
  const auth = hub.client()
  await auth.signUp({ email: 'lee@example.com', password: 'old-password' })
  const unknown = await auth.resetPasswordForEmail('nobody@example.com')
  t.error(unknown.error)
  t.same(unknown.data, {})
  t.equal(await hub.lastMail('nobody@example.com'), undefined)

  const known = await auth.resetPasswordForEmail('lee@example.com', { redirectTo: 'http://localhost:3000/reset' })
  t.error(known.error)
  t.same(known.data, {}, 'indistinguishable from the unknown address')
  const mail = await hub.lastMail('lee@example.com')
  t.equal(mail?.kind, 'recovery')
  const { otp, link } = readMail(mail!.body_text)
  t.equal(new URL(link).searchParams.get('redirect_to'), 'http://localhost:3000/reset')
  const verified = await auth.verifyOtp({ email: 'lee@example.com', token: otp, type: 'recovery' })
  t.error(verified.error)
  const token = verified.data.session!.access_token

  const same = await hub.call('PUT', '/user', { password: 'old-password' }, { authorization: `Bearer ${token}` })
  t.equal(same.status, 422)
  t.equal(same.body.code, 'same_password')
  const changed = await hub.call('PUT', '/user', { password: 'new-password', data: { theme: 'dark' } }, { authorization: `Bearer ${token}` })
  t.equal(changed.status, 200)
  t.same(changed.body.user_metadata, { theme: 'dark' })
  t.equal((await auth.signInWithPassword({ email: 'lee@example.com', password: 'old-password' })).error?.code, 'invalid_credentials')
  t.error((await auth.signInWithPassword({ email: 'lee@example.com', password: 'new-password' })).error)
  const actions = await hub.sql<{ action: string }>("SELECT payload->>'action' AS action FROM auth.audit_log_entries")
  t.ok(actions.some((r) => r.action === 'user_recovery_requested'))
  t.ok(actions.some((r) => r.action === 'user_updated_password'))
})

t.test('email change needs the links sent to both addresses (secure email change, the default)', async (t) => {
  const hub = await sharedAuthHub()
  const auth = hub.client()
  const { data } = await auth.signUp({ email: 'max@example.com', password: 'secret-pass' })
  const token = data.session!.access_token
  const taken = await auth.signUp({ email: 'taken@example.com', password: 'secret-pass' })
  t.error(taken.error)
  const clash = await hub.call('PUT', '/user', { email: 'taken@example.com' }, { authorization: `Bearer ${token}` })
  t.equal(clash.body.code, 'email_exists')
  const pending = await hub.call('PUT', '/user', { email: 'max2@example.com' }, { authorization: `Bearer ${token}` })
  t.equal(pending.status, 200)
  t.equal(pending.body.email, 'max@example.com', 'unchanged until confirmed')
  t.equal(pending.body.new_email, 'max2@example.com')
  const toNew = await hub.lastMail('max2@example.com')
  const toCurrent = await hub.lastMail('max@example.com')
  t.equal(toNew?.kind, 'email_change')
  t.equal(toCurrent?.kind, 'email_change', 'the current address is asked too')

  const first = await auth.verifyOtp({ email: 'max2@example.com', token: readMail(toNew!.body_text).otp, type: 'email_change' })
  t.error(first.error)
  t.equal(first.data.session, null, 'one link alone changes nothing')
  t.equal((await hub.call('GET', '/user', undefined, { authorization: `Bearer ${token}` })).body.email, 'max@example.com')
  const res = await fetch(readMail(toCurrent!.body_text).link, { redirect: 'manual' })
  const fragment = new URLSearchParams(new URL(res.headers.get('location')!).hash.slice(1))
  t.ok(fragment.get('access_token'), 'the second link completes the change and signs in')
  t.equal((await hub.call('GET', '/user', undefined, { authorization: `Bearer ${token}` })).body.email, 'max2@example.com')
  t.error((await auth.signInWithPassword({ email: 'max2@example.com', password: 'secret-pass' })).error)
})

t.test('without secure email change the link to the new address alone completes it', async (t) => {
  const hub = await startAuthHub(t, { PGSTACK_AUTH_SECURE_EMAIL_CHANGE: 'false' })
  const auth = hub.client()
  const token = (await auth.signUp({ email: 'quin@example.com', password: 'secret-pass' })).data.session!.access_token
  t.equal((await hub.call('PUT', '/user', { email: 'quin2@example.com' }, { authorization: `Bearer ${token}` })).status, 200)
  t.equal(await hub.lastMail('quin@example.com'), undefined)
  const verified = await auth.verifyOtp({ email: 'quin2@example.com', token: readMail((await hub.lastMail('quin2@example.com'))!.body_text).otp, type: 'email_change' })
  t.error(verified.error)
  t.equal(verified.data.user?.email, 'quin2@example.com')
})

t.test('a forged Host header never reaches a mailed link (reset poisoning)', async (t) => {
  const hub = await startAuthHub(t, { PGSTACK_AUTH_SITE_URL: 'https://app.example.com' })
  await hub.client().signUp({ email: 'nia@example.com', password: 'secret-pass' })
  const { request } = await import('node:http')
  const url = new URL(`${hub.authUrl}/recover`)
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { host: 'evil.example', 'content-type': 'application/json' } },
      (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      },
    )
    req.on('error', reject)
    req.end(JSON.stringify({ email: 'nia@example.com' }))
  })
  t.equal(status, 200)
  const { link } = readMail((await hub.lastMail('nia@example.com'))!.body_text)
  t.ok(link.startsWith('https://app.example.com/auth/v1/verify?'), link)
})

t.test('a new password ends the user\'s other sessions', async (t) => {
  const hub = await sharedAuthHub()
  const auth = hub.client()
  await auth.signUp({ email: 'oli@example.com', password: 'secret-pass' })
  const mine = (await auth.signInWithPassword({ email: 'oli@example.com', password: 'secret-pass' })).data.session!
  const other = (await auth.signInWithPassword({ email: 'oli@example.com', password: 'secret-pass' })).data.session!
  const changed = await hub.call('PUT', '/user', { password: 'another-pass' }, { authorization: `Bearer ${mine.access_token}` })
  t.equal(changed.status, 200)
  t.equal((await hub.call('POST', '/token?grant_type=refresh_token', { refresh_token: other.refresh_token })).status, 400)
  t.equal((await hub.call('POST', '/token?grant_type=refresh_token', { refresh_token: mine.refresh_token })).status, 200)
})

t.test('secure password change: an old session needs the reauthentication code', async (t) => {
  const hub = await startAuthHub(t, { PGSTACK_AUTH_SECURE_PASSWORD_CHANGE: 'true' })
  const auth = hub.client()
  const session = (await auth.signUp({ email: 'pat@example.com', password: 'secret-pass' })).data.session!
  const bearer = { authorization: `Bearer ${session.access_token}` }
  t.equal((await hub.call('PUT', '/user', { password: 'fresh-session-pass' }, bearer)).status, 200, 'a fresh session needs no code')
  await hub.sql(`UPDATE auth.sessions SET created_at = now() - interval '25 hours'`)
  const refused = await hub.call('PUT', '/user', { password: 'another-pass' }, bearer)
  t.equal(refused.status, 400)
  t.equal(refused.body.code, 'reauthentication_needed')
  t.equal((await hub.call('GET', '/reauthenticate', undefined, bearer)).status, 200)
  const mail = await hub.lastMail('pat@example.com')
  t.equal(mail?.kind, 'reauthentication')
  const nonce = /code: (\d+)/.exec(mail!.body_text)![1]!
  const wrong = await hub.call('PUT', '/user', { password: 'another-pass', nonce: nonce === '000000' ? '111111' : '000000' }, bearer)
  t.equal(wrong.body.code, 'reauthentication_not_valid')
  t.equal((await hub.call('PUT', '/user', { password: 'another-pass', nonce }, bearer)).status, 200)
  t.error((await auth.signInWithPassword({ email: 'pat@example.com', password: 'another-pass' })).error)
})
