// API keys in the Studio: the keys shown are the hub's; rotating the JWT secret with a grace period
// gives new keys, the Studio carries on with the new service key, and the old keys still pass
// until the grace period ends. Sessions and the audit log list what auth did.
import t from 'tap'
import { launchBrowser } from '@pgstack/infra/browser'
import { openStudio, startStudioHub } from './studio-fixture.ts'

t.setTimeout(180_000)

t.test('keys: shown, rotated with a grace period; sessions and audit log', async (t) => {
  const hub = await startStudioHub(t)
  const signUp = await fetch(`${hub.url}/auth/v1/signup`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'studio-test' }, body: JSON.stringify({ email: 'ada@example.com', password: 'correct horse battery' }) })
  t.equal(signUp.status, 200)

  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const studio = await openStudio(t, browser, hub)
  const { page } = studio

  await studio.go('/auth/sessions')
  await page.getByRole('table', { name: 'Sessions' }).getByRole('row').filter({ hasText: 'ada@example.com' }).waitFor()
  await studio.shot('auth-sessions')
  await studio.go('/auth/audit')
  await page.getByRole('table', { name: 'Audit log' }).getByText(/signup|user_signedup/).first().waitFor()
  await studio.shot('auth-audit')

  await studio.go('/auth/keys')
  const anon = page.locator('[data-secret="anon key"]')
  await anon.getByRole('button', { name: 'Reveal' }).click()
  const shown = await anon.getByRole('textbox').inputValue()
  const claims = (key: string) => JSON.parse(Buffer.from(key.split('.')[1]!, 'base64url').toString()) as { role: string }
  t.equal(claims(shown).role, 'anon', 'the anon key is shown')
  t.equal((await fetch(`${hub.url}/rest/v1/`, { headers: { apikey: shown, authorization: `Bearer ${shown}` } })).status, 200, 'and the hub takes it')
  await studio.shot('keys')

  await page.getByLabel('Grace period').selectOption({ label: '1 hour' })
  await page.getByRole('button', { name: /Rotate the JWT secret/ }).click()
  await page.getByRole('dialog', { name: 'Rotate the JWT secret?' }).getByRole('button', { name: 'Rotate' }).click()
  await page.getByText(/JWT secret rotated/).waitFor()
  await page.getByText(/accepted until/).waitFor()
  const rotated = await anon.getByRole('textbox').inputValue()
  t.not(rotated, shown, 'a new anon key')

  // The Studio works on with the new service key; the old anon key passes during the grace period.
  await studio.go('/tables')
  await page.getByRole('heading', { name: 'Tables' }).waitFor()
  await page.getByRole('navigation', { name: 'Tables and views' }).waitFor()
  t.equal(await page.getByRole('alert').count(), 0, 'no error after the rotation')
  const oldKey = await fetch(`${hub.url}/rest/v1/`, { headers: { apikey: shown, authorization: `Bearer ${shown}` } })
  t.equal(oldKey.status, 200, 'the old anon key still passes in the grace period')
  const newKey = await fetch(`${hub.url}/rest/v1/`, { headers: { apikey: rotated, authorization: `Bearer ${rotated}` } })
  t.equal(newKey.status, 200, 'the new one passes')
  t.same(studio.errors, [], 'no script errors')
})
