// The live inspector as a user watches it: a client subscribes and its actor appears, an insert
// raises its feed's sequence and shows as a delta, its state-machine timeline opens, and the
// figures keep coming while the page stays error-free.
import t from 'tap'
import pg from 'pg'
import { WebSocket } from 'ws'
import { createClient, websocketTransport, type WebSocketConstructor } from '@pgstack/sdk'
import { launchBrowser } from '@pgstack/infra/browser'
import { openStudio, startStudioHub } from './studio-fixture.ts'

t.setTimeout(180_000)

t.test('a subscriber’s actor appears, its deltas rise after an insert, its timeline opens', async (t) => {
  const hub = await startStudioHub(t)
  const db = new pg.Client({ connectionString: hub.db.adminUrl })
  await db.connect()
  t.teardown(() => db.end())
  await db.query(`
    CREATE TABLE probe (id bigint PRIMARY KEY, title text NOT NULL);
    INSERT INTO probe VALUES (1, 'first ✓ Zoë');
    GRANT SELECT ON probe TO anon;
    SELECT pgr.define('studio_probe', 'SELECT id, title FROM probe ORDER BY id');
  `)

  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const studio = await openStudio(t, browser, hub)
  const { page } = studio
  await page.getByText('No live queries are running').waitFor()

  const client = createClient(hub.url, hub.anonKey, { live: { transport: websocketTransport({ WebSocket: WebSocket as unknown as WebSocketConstructor }) } })
  t.teardown(() => client.close())
  const live = client.live('studio_probe')
  t.teardown(() => live.close())
  await new Promise<void>((resolve) => live.subscribe((q) => q.state === 'live' && resolve()))

  const row = page.getByRole('row').filter({ hasText: 'studio_probe' })
  await row.waitFor()
  t.match(await row.textContent(), /live/, 'the actor is live')
  t.match(await row.textContent(), /anon/, 'with its security context')
  await row.click()
  const detail = page.getByRole('complementary', { name: 'Actor detail' })
  await detail.waitFor()

  const timeline = detail.getByRole('list', { name: 'State-machine timeline' })
  await timeline.getByText('snapshotting').first().waitFor()
  await timeline.getByText('live', { exact: true }).first().waitFor()
  await studio.shot('inspector-timeline')

  await detail.getByRole('tab', { name: /Rows/ }).click()
  await detail.getByRole('cell', { name: 'first ✓ Zoë' }).waitFor()

  const deltasTab = detail.getByRole('tab', { name: /Deltas/ })
  const count = async () => Number((await deltasTab.locator('.badge').textContent()) ?? 'NaN')
  const before = await count()
  await db.query(`INSERT INTO probe VALUES (2, 'inserted while watching')`)
  await deltasTab.click()
  await detail.getByLabel('Recent deltas').getByText('inserted while watching').waitFor()
  t.ok((await count()) > before, `the delta count rose (${before} → ${await count()})`)
  // the list's sequence column shows it too, without the detail
  await detail.getByRole('button', { name: 'Close detail' }).click()
  await page.waitForFunction(() => {
    const cells = [...document.querySelectorAll('[role=row]')].find((r) => r.textContent?.includes('studio_probe'))?.querySelectorAll('[role=gridcell]')
    return cells && Number(cells[5]?.textContent?.replace(/,/g, '')) >= 1
  })
  await page.getByText(/Deltas \(last second\)/).waitFor()
  await studio.shot('inspector')

  // The figures keep flowing and the actor leaves the list when its client goes.
  live.close()
  await row.waitFor({ state: 'detached' })
  t.same(studio.errors, [], 'no script errors')
})

t.test('the inspector in the dark theme', async (t) => {
  const hub = await startStudioHub(t)
  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const studio = await openStudio(t, browser, hub, { colorScheme: 'dark' })
  t.equal(await studio.page.evaluate(() => document.documentElement.dataset.theme), 'dark', 'follows the system’s dark scheme')
  await studio.shot('inspector-dark')
  await studio.page.getByRole('button', { name: /Switch to the light theme/ }).click()
  t.equal(await studio.page.evaluate(() => document.documentElement.dataset.theme), 'light', 'the toggle switches it')
  t.same(studio.errors, [])
})
