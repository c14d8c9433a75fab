import t from 'tap'
import { startFakeSmtp } from '@pgstack/infra/testing'
import { startTestHub } from '@pgstack/hub/testing'
import { startAdminHub, type AdminHub } from './admin-fixture.ts'

async function authCall(hub: { url: string; anonKey: string }, method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(`${hub.url}/auth/v1${path}`, {
    method,
    headers: { apikey: hub.anonKey, 'content-type': 'application/json', 'x-supabase-api-version': '2024-01-01', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: (text ? JSON.parse(text) : null) as any }
}

const adminUsers = (hub: AdminHub, query: string) =>
  fetch(`${hub.url}/auth/v1/admin/users${query}`, { headers: { apikey: hub.serviceKey, authorization: `Bearer ${hub.serviceKey}` } }).then(
    async (res) => ({ total: res.headers.get('x-total-count'), body: (await res.json()) as { users: Array<{ email: string }> } }),
  )

t.test('users are found through GoTrue\'s admin filter, and an admin sends a reset the user can read in the outbox', async (t) => {
  const hub = await startAdminHub(t)
  await hub.signUp('ada.lovelace@example.com')
  await hub.signUp('grace_hopper@example.com')
  const bob = await hub.signUp('bob@example.org')

  const found = await adminUsers(hub, '?filter=LOVELACE')
  t.same(found.body.users.map((u) => u.email), ['ada.lovelace@example.com'], 'case-insensitive substring of the email')
  t.equal(found.total, '1')
  t.same((await adminUsers(hub, '?filter=_')).body.users.map((u) => u.email), ['grace_hopper@example.com'], '_ is taken literally')
  t.equal((await adminUsers(hub, '')).body.users.length, 3)

  const sent = await hub.admin('POST', `/auth/users/${bob.id}/recover`, hub.serviceKey, { redirect_to: 'https://evil.example.com' })
  t.equal(sent.status, 200)
  t.equal(sent.body.recipient, 'bob@example.org')
  const mail = await hub.admin('GET', `/auth/mail?recipient=BOB@example.org`, hub.serviceKey)
  t.equal(mail.body.mail.length, 1)
  const message = mail.body.mail[0]
  t.match(message, { id: sent.body.mail_id, kind: 'recovery', user_id: bob.id, subject: 'Reset your password', sent_at: null })
  t.match(message.body_text, new RegExp(`${hub.url.replace(/[.]/g, '\\.')}/auth/v1/verify\\?token=`), 'the link points at /auth/v1/verify')
  t.match(message.body_text, /redirect_to=http%3A%2F%2Flocalhost%3A3000/, 'a redirect outside the allow-list falls back to the site URL')
  t.equal((await hub.admin('GET', `/auth/mail/${message.id}`, hub.serviceKey)).body.subject, 'Reset your password')
  t.equal((await hub.admin('GET', '/auth/mail/999999', hub.serviceKey)).status, 404)

  const audit = await hub.admin('GET', `/auth/audit?user_id=${bob.id}&action=user_recovery_requested`, hub.serviceKey)
  t.match(audit.body.entries, [{ action: 'user_recovery_requested', actor_username: 'service_role', traits: { user_id: bob.id } }])
  const all = await hub.admin('GET', `/auth/audit?user_id=${bob.id}`, hub.serviceKey)
  const actions = all.body.entries.map((e: { action: string }) => e.action)
  t.equal(actions[0], 'user_recovery_requested', 'newest first')
  t.ok(actions.includes('user_signedup'), 'with what the user did before')
  t.equal((await hub.admin('POST', '/auth/users/00000000-0000-4000-8000-000000000000/recover', hub.serviceKey)).status, 404)
  t.equal((await hub.admin('GET', '/auth/audit?before=yesterday-ish', hub.serviceKey)).body.code, 'PGSA003')
})

t.test('sessions: listed per user, one ended, then all; an ended session cannot refresh', async (t) => {
  const hub = await startAdminHub(t)
  const ada = await hub.signUp('ada@example.com')
  const second = await authCall(hub, 'POST', '/token?grant_type=password', { email: 'ada@example.com', password: 'correct horse 9' })
  t.equal(second.status, 200)
  await hub.signUp('bob@example.com')

  const listed = await hub.admin('GET', `/auth/sessions?user_id=${ada.id}`, hub.serviceKey)
  t.equal(listed.body.sessions.length, 2)
  t.match(listed.body.sessions[0], { user_id: ada.id, email: 'ada@example.com', aal: 'aal1' })
  t.equal((await hub.admin('GET', '/auth/sessions', hub.serviceKey)).body.sessions.length, 3)
  t.same((await hub.admin('GET', '/auth/sessions?limit=1', hub.serviceKey)).body.has_more, true)

  const sessionId = second.body.user && JSON.parse(Buffer.from(second.body.access_token.split('.')[1], 'base64url').toString()).session_id
  t.equal((await hub.admin('DELETE', `/auth/sessions/${sessionId}`, hub.serviceKey)).status, 204)
  const refresh = await authCall(hub, 'POST', '/token?grant_type=refresh_token', { refresh_token: second.body.refresh_token })
  t.equal(refresh.status, 400, 'its refresh token is gone')
  t.equal((await hub.admin('DELETE', `/auth/sessions/${sessionId}`, hub.serviceKey)).status, 404)

  t.equal((await hub.admin('DELETE', `/auth/sessions?user_id=${ada.id}`, hub.serviceKey)).status, 204)
  t.equal((await hub.admin('GET', `/auth/sessions?user_id=${ada.id}`, hub.serviceKey)).body.sessions.length, 0)
  t.equal((await authCall(hub, 'POST', '/token?grant_type=refresh_token', { refresh_token: ada.refreshToken })).status, 400)
  const logged = await hub.admin('GET', `/auth/audit?user_id=${ada.id}&action=logout`, hub.serviceKey)
  t.equal(logged.body.entries.length, 2, 'each ended session is in the audit log')
  t.equal((await hub.admin('DELETE', '/auth/sessions', hub.serviceKey)).body.code, 'PGSA003', 'ending every session of everyone needs a user')
})

t.test('auth settings: stored, applied at once — the password rule and confirmation change what sign-up does without a restart', async (t) => {
  const hub = await startAdminHub(t)
  const before = await hub.admin('GET', '/auth/settings', hub.serviceKey)
  t.equal(before.status, 200)
  t.equal(before.body.settings.password_min_length, 6)
  const field = (body: { fields: Array<{ name: string; source: string }> }, name: string) => body.fields.find((f) => f.name === name)!
  t.match(field(before.body, 'password_min_length'), { type: 'integer', minimum: 6, maximum: 1024, default: 6, env: 'PGSTACK_AUTH_PASSWORD_MIN_LENGTH', source: 'default', pinned: false, editable: true, group: 'passwords' })
  t.match(field(before.body, 'scrypt_log_n'), { editable: false, source: 'env', pinned: true }, 'the test hub sets it in the environment')
  t.match(field(before.body, 'password_required_characters'), { enum: [null, 'letters_digits', 'lower_upper_letters_digits', 'lower_upper_letters_digits_symbols'] })

  t.equal((await authCall(hub, 'POST', '/signup', { email: 'short@example.com', password: 'eight888' })).status, 200, '8 characters pass the default rule')
  const changed = await hub.admin('PATCH', '/auth/settings', hub.serviceKey, { password_min_length: 10, autoconfirm: false })
  t.equal(changed.status, 200)
  t.equal(changed.body.settings.password_min_length, 10)
  t.equal(field(changed.body, 'password_min_length').source, 'database')
  t.ok(changed.body.updated_at)

  const weak = await authCall(hub, 'POST', '/signup', { email: 'weak@example.com', password: 'nine99999' })
  t.equal(weak.status, 422, 'the new rule applies at once')
  t.equal(weak.body.code, 'weak_password')
  const ok = await authCall(hub, 'POST', '/signup', { email: 'strong@example.com', password: 'ten1010101' })
  t.equal(ok.status, 200)
  t.equal(ok.body.access_token, undefined, 'confirmation is on now: no session before the mail is followed')
  const mail = await hub.admin('GET', '/auth/mail?recipient=strong@example.com&kind=confirmation', hub.serviceKey)
  t.equal(mail.body.mail.length, 1, 'the confirmation mail, readable in the outbox')
  const settings = await authCall(hub, 'GET', '/settings')
  t.equal(settings.body.mailer_autoconfirm, false, '/auth/v1/settings says so too')

  const reset = await hub.admin('PATCH', '/auth/settings', hub.serviceKey, { password_min_length: null })
  t.equal(reset.body.settings.password_min_length, 6, 'null: back to the default')
  t.equal((await authCall(hub, 'POST', '/signup', { email: 'again@example.com', password: 'eight888' })).status, 200)

  const bad = await hub.admin('PATCH', '/auth/settings', hub.serviceKey, { password_min_length: 3, site_url: 'https://ok.example.com' })
  t.equal(bad.status, 400)
  t.match(bad.body, { code: 'PGSA003', message: 'password_min_length must be an integer from 6 to 1024' })
  t.equal((await hub.admin('GET', '/auth/settings', hub.serviceKey)).body.settings.site_url, 'http://localhost:3000', 'all or nothing')
  t.equal((await hub.admin('PATCH', '/auth/settings', hub.serviceKey, { nope: 1 })).body.code, 'PGSA003')
  t.equal((await hub.admin('PATCH', '/auth/settings', hub.serviceKey, { scrypt_log_n: 11 })).body.code, 'PGSA003', 'a deployment setting')
  t.equal((await hub.admin('PATCH', '/auth/settings', hub.serviceKey, { redirect_urls: 'x' })).body.code, 'PGSA003')
  t.equal((await hub.admin('PATCH', '/auth/settings', hub.serviceKey, { site_url: 'ftp://x' })).body.code, 'PGSA003')
  const urls = await hub.admin('PATCH', '/auth/settings', hub.serviceKey, { redirect_urls: ['https://app.example.com/**'] })
  t.same(urls.body.settings.redirect_urls, ['https://app.example.com/**'])
})

t.test('an environment variable pins its setting: shown with its name, and a change is refused whole', async (t) => {
  const hub = await startAdminHub(t, { PGSTACK_AUTH_DISABLE_SIGNUP: 'true' })
  const view = await hub.admin('GET', '/auth/settings', hub.serviceKey)
  t.match(view.body.fields.find((f: { name: string }) => f.name === 'disable_signup'), { source: 'env', pinned: true, env: 'PGSTACK_AUTH_DISABLE_SIGNUP' })
  t.equal(view.body.settings.disable_signup, true)
  const refused = await hub.admin('PATCH', '/auth/settings', hub.serviceKey, { disable_signup: false, password_min_length: 12 })
  t.equal(refused.status, 409)
  t.match(refused.body, { code: 'PGSA006', details: 'disable_signup (PGSTACK_AUTH_DISABLE_SIGNUP)' })
  t.equal((await hub.admin('GET', '/auth/settings', hub.serviceKey)).body.settings.password_min_length, 6, 'nothing was changed')
  // a value stored while the variable was unset stays stored, but the environment wins
  await hub.sql(`INSERT INTO pgstack.auth_settings (name, value) VALUES ('disable_signup', 'false')`)
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.equal((await authCall(hub, 'POST', '/signup', { email: 'x@example.com', password: 'long enough 1' })).status, 422, 'sign-up stays off')
})

t.test('a change made on one hub applies on every hub of the database', async (t) => {
  const hub = await startAdminHub(t)
  const other = await startTestHub(t, { database: hub.db, env: { PGSTACK_AUTH_SCRYPT_LOG_N: '10' } })
  t.equal((await hub.admin('PATCH', '/auth/settings', hub.serviceKey, { disable_signup: true })).status, 200)
  let status = 0
  for (let i = 0; i < 50 && status !== 422; i++) {
    status = (await authCall(other, 'POST', '/signup', { email: `u${i}@example.com`, password: 'long enough 1' })).status
    if (status !== 422) await new Promise((resolve) => setTimeout(resolve, 100))
  }
  t.equal(status, 422, 'the other hub refuses sign-ups too, without a restart')
})

t.test('mail templates with GoTrue placeholders replace the built-in mail; unknown placeholders are refused', async (t) => {
  const hub = await startAdminHub(t)
  const templates = { confirmation: { subject: 'Welcome to {{ .SiteURL }}', html: '<p>Hi {{ .Email }}, <a href="{{ .ConfirmationURL }}">confirm</a> or type {{.Token}}</p>' } }
  const saved = await hub.admin('PATCH', '/auth/settings', hub.serviceKey, { mail_templates: templates, autoconfirm: false, site_url: 'https://app.example.com' })
  t.equal(saved.status, 200)
  t.same(saved.body.settings.mail_templates, templates)
  await authCall(hub, 'POST', '/signup', { email: 'o\'brien@example.com', password: 'long enough 1' })
  const mail = (await hub.admin('GET', '/auth/mail?kind=confirmation', hub.serviceKey)).body.mail[0]
  t.equal(mail.subject, 'Welcome to https://app.example.com')
  t.match(mail.body_html, /Hi o&#39;brien@example\.com, <a href="http:\/\/127\.0\.0\.1:\d+\/auth\/v1\/verify\?token=[^"]+&amp;type=signup/, 'values HTML-escaped')
  t.match(mail.body_html, /or type \d{6}<\/p>/)
  t.match(mail.body_text, /Hi o'brien@example\.com, confirm \(http:\/\/127\.0\.0\.1:\d+\/auth\/v1\/verify\?token=\S+&type=signup/, 'the text part, from the HTML')
  const bad = await hub.admin('PATCH', '/auth/settings', hub.serviceKey, { mail_templates: { recovery: { subject: 'x', html: '{{ .Password }}' } } })
  t.equal(bad.status, 400)
  t.match(bad.body.message, /unknown placeholder \{\{ \.Password \}\}/)
  t.equal((await hub.admin('PATCH', '/auth/settings', hub.serviceKey, { mail_templates: { welcome: { subject: 'x', html: 'y' } } })).body.code, 'PGSA003')
})

t.test('SMTP: the URL\'s password is never shown, a test mail goes out now, and a failure says why', async (t) => {
  const hub = await startAdminHub(t)
  const smtp = await startFakeSmtp(t)
  const noSmtp = await hub.admin('POST', '/auth/settings/smtp-test', hub.serviceKey, { to: 'me@example.com' })
  t.equal(noSmtp.status, 400)
  const url = `smtp://mailer:s3cret@127.0.0.1:${smtp.port}`
  const set = await hub.admin('PATCH', '/auth/settings', hub.serviceKey, { smtp_url: url, smtp_sender: 'App <app@example.com>' })
  t.equal(set.body.settings.smtp_url, `smtp://mailer:********@127.0.0.1:${smtp.port}`)
  t.notMatch(JSON.stringify(set.body), /s3cret/)
  // sending the masked URL back keeps the password
  await hub.admin('PATCH', '/auth/settings', hub.serviceKey, { smtp_url: set.body.settings.smtp_url })
  const stored = await hub.sql<{ value: string }>(`SELECT value #>> '{}' AS value FROM pgstack.auth_settings WHERE name = 'smtp_url'`)
  t.equal(stored[0]!.value, url)

  const sent = await hub.admin('POST', '/auth/settings/smtp-test', hub.serviceKey, { to: 'me@example.com' })
  t.equal(sent.status, 200)
  t.match(sent.body, { sent: true, response: /250/ })
  t.equal(smtp.messages.length, 1)
  t.match(smtp.messages[0], /From: App <app@example\.com>/)
  t.match(smtp.messages[0], /pgStack SMTP test/)

  smtp.refuse = true
  const failed = await hub.admin('POST', '/auth/settings/smtp-test', hub.serviceKey, { to: 'me@example.com' })
  t.equal(failed.status, 502)
  t.match(failed.body, { code: 'PGSA008', details: /550/ })
  const outbox = await hub.admin('GET', '/auth/mail?kind=test', hub.serviceKey)
  t.match(outbox.body.mail, [{ kind: 'test', sent_at: null, last_error: /550/ }, { kind: 'test', last_error: null }], 'both tries are in the outbox')
})
