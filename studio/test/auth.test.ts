// Auth in the Studio as an operator uses it: find a user who signed up and read the confirmation
// mail they were sent; change the password rule and see sign-up enforce it at once, no restart;
// a setting pinned by an environment variable says so and cannot be changed.
import t from 'tap'
import { launchBrowser } from '@pgstack/infra/browser'
import { openStudio, startStudioHub } from './studio-fixture.ts'

t.setTimeout(240_000)

const signUp = (url: string, email: string, password: string) =>
  fetch(`${url}/auth/v1/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) })

t.test('find a user and read their confirmation mail', async (t) => {
  const hub = await startStudioHub(t, { env: { PGSTACK_AUTH_AUTOCONFIRM: 'false' } })
  for (const email of ['ada@example.com', 'zoë.brûlée@example.com', 'bob@example.com']) {
    t.equal((await signUp(hub.url, email, 'correct horse battery')).status, 200, `${email} signed up`)
  }
  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const studio = await openStudio(t, browser, hub)
  const { page } = studio
  await studio.go('/auth/users')
  const users = page.getByRole('table', { name: 'Users' })
  await users.getByRole('row').filter({ hasText: 'bob@example.com' }).waitFor()
  await page.getByLabel('Search users').fill('brûlée')
  await users.getByRole('row').filter({ hasText: 'ada@example.com' }).waitFor({ state: 'detached' })
  const zoe = users.getByRole('row').filter({ hasText: 'zoë.brûlée@example.com' })
  t.match(await zoe.textContent(), /unconfirmed/)
  await zoe.click()
  const detail = page.getByRole('complementary', { name: 'User' })
  const mail = detail.locator('[data-mail-kind="confirmation"]')
  await mail.waitFor()
  await studio.shot('auth-users')
  await mail.click()
  const viewer = page.getByRole('dialog', { name: 'Mail' })
  await viewer.getByText('zoë.brûlée@example.com').waitFor()
  await viewer.getByRole('tab', { name: 'Text' }).click()
  const text = (await viewer.getByLabel('Mail text').textContent()) ?? ''
  t.match(text, /\/auth\/v1\/verify\?token=/, 'the mail carries the confirmation link')
  await studio.shot('auth-mail-read')
  await page.keyboard.press('Escape')

  // Confirm from the Studio: the status changes at once.
  await detail.getByRole('button', { name: 'Confirm email' }).click()
  await page.getByText('Email confirmed.').waitFor()
  await users.getByRole('row').filter({ hasText: 'zoë.brûlée@example.com' }).filter({ hasText: 'confirmed' }).waitFor()

  // The outbox lists every mail, newest first.
  await studio.go('/auth/mail')
  await page.getByRole('table', { name: 'Mail' }).getByRole('row').filter({ hasText: 'bob@example.com' }).waitFor()
  await studio.shot('auth-mail')
  t.same(studio.errors, [], 'no script errors')
})

t.test('the password rule changes in the Studio and sign-up enforces it without a restart', async (t) => {
  const hub = await startStudioHub(t, { env: { PGSTACK_AUTH_AUTOCONFIRM: 'true' } })
  t.equal((await signUp(hub.url, 'before@example.com', 'short1')).status, 200, 'six characters pass the default rule')

  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const studio = await openStudio(t, browser, hub)
  const { page } = studio
  await studio.go('/auth/settings')
  const pinned = page.locator('[data-setting="autoconfirm"]')
  await pinned.getByText('pinned by PGSTACK_AUTH_AUTOCONFIRM').waitFor()
  t.ok(await pinned.getByRole('checkbox').isDisabled(), 'a pinned setting cannot be changed')

  const rule = page.locator('[data-setting="password_min_length"]').getByRole('spinbutton')
  await rule.fill('12')
  await page.getByRole('button', { name: /Save 1 change/ }).click()
  await page.getByText(/In force now/).waitFor()
  await studio.shot('auth-settings')

  const refused = await signUp(hub.url, 'after@example.com', 'elevenchars')
  t.equal(refused.status, 422, 'an 11-character password is refused now')
  t.match(await refused.text(), /weak_password/)
  t.equal((await signUp(hub.url, 'after@example.com', 'twelve chars')).status, 200, 'twelve characters pass')
  t.same(studio.errors, [], 'no script errors')
})
