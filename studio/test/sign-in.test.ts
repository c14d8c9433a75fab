// Signing in to the Studio as a user does: with the service key, or as an admin user with email and
// password; nothing of the Studio shows without it, and the anon key or a non-admin is refused.
import t from 'tap'
import { launchBrowser } from '@pgstack/infra/browser'
import { openStudio, startStudioHub } from './studio-fixture.ts'

t.setTimeout(180_000)

t.test('nothing but the sign-in form shows until a service key is accepted', async (t) => {
  const hub = await startStudioHub(t)
  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const studio = await openStudio(t, browser, hub, { signIn: false })
  const { page } = studio

  await studio.go('/tables')
  await page.getByLabel('Service key').waitFor()
  t.equal(await page.getByRole('navigation', { name: 'Studio' }).count(), 0, 'no navigation before sign-in')
  await studio.shot('sign-in')

  await page.getByLabel('Service key').fill(hub.anonKey)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByText(/the Studio needs the service key/).waitFor()

  // A well-formed service-role token the hub did not sign: the hub says no, the page says why.
  const forged = `${hub.serviceKey.slice(0, hub.serviceKey.lastIndexOf('.'))}.${'A'.repeat(43)}`
  await page.getByLabel('Service key').fill(forged)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('alert').filter({ hasText: /PGRST301|signature|invalid/i }).waitFor()
  t.equal(await page.getByRole('heading', { name: 'Live inspector' }).count(), 0)

  await page.getByLabel('Service key').fill(hub.serviceKey)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Tables' }).waitFor()
  t.match(page.url(), /\/studio\/tables$/, 'the page asked for is the one shown after sign-in')
  t.same(studio.errors, [], 'no script errors')

  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.getByLabel('Service key').waitFor()
})

t.test('an admin user signs in with email and password; an ordinary user is refused', async (t) => {
  const hub = await startStudioHub(t)
  const service = { authorization: `Bearer ${hub.serviceKey}`, apikey: hub.serviceKey, 'content-type': 'application/json' }
  const createUser = async (email: string) => {
    const res = await fetch(`${hub.url}/auth/v1/admin/users`, { method: 'POST', headers: service, body: JSON.stringify({ email, password: 'correct horse battery', email_confirm: true }) })
    t.equal(res.status, 200, `created ${email}`)
    return ((await res.json()) as { id: string }).id
  }
  const adminId = await createUser('ada@example.com')
  await createUser('bob@example.com')
  const grant = await fetch(`${hub.url}/admin/v1/admins/${adminId}`, { method: 'PUT', headers: service })
  t.equal(grant.status, 200, 'ada is an admin')

  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const studio = await openStudio(t, browser, hub, { signIn: false })
  const { page } = studio
  await studio.go('/')
  await page.getByRole('tab', { name: 'Admin user' }).click()

  await page.getByLabel('Email').fill('bob@example.com')
  await page.getByLabel('Password').fill('correct horse battery')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('alert').filter({ hasText: /not an admin/ }).waitFor()

  await page.getByLabel('Email').fill('ada@example.com')
  await page.getByLabel('Password').fill('wrong password')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('alert').filter({ hasText: /Invalid login credentials/i }).waitFor()

  await page.getByLabel('Password').fill('correct horse battery')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Live inspector' }).waitFor()
  await page.getByText('Signed in with ada@example.com').waitFor()
  t.same(studio.errors, [])
})
