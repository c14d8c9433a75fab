// Named live queries in the Studio: define one, try it (snapshot, then a delta as a write lands),
// and drop it.
import t from 'tap'
import pg from 'pg'
import { launchBrowser } from '@pgstack/infra/browser'
import { openStudio, startStudioHub } from './studio-fixture.ts'

t.setTimeout(180_000)

t.test('define a live query, try it live, drop it', async (t) => {
  const hub = await startStudioHub(t)
  const db = new pg.Client({ connectionString: hub.db.adminUrl })
  await db.connect()
  t.teardown(() => db.end())
  await db.query(`CREATE TABLE todo (id bigint PRIMARY KEY, owner text NOT NULL, title text NOT NULL);
                  INSERT INTO todo VALUES (1, 'ada', 'first'), (2, 'bob', 'other');
                  GRANT SELECT ON todo TO service_role;`)
  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const studio = await openStudio(t, browser, hub)
  const { page } = studio
  await studio.go('/live-queries')
  await page.getByRole('button', { name: 'Define' }).click()
  const dialog = page.getByRole('dialog', { name: 'Define a live query' })
  await dialog.getByLabel('Name').fill('todos_of')
  await dialog.getByLabel('SQL').fill('SELECT id, title FROM todo WHERE owner = $1 ORDER BY id')
  await dialog.getByLabel('Parameter types').fill('text')
  await dialog.getByRole('button', { name: 'Define' }).click()
  await page.getByText('todos_of defined.').waitFor()

  const tryIt = page.getByRole('region', { name: 'Try it' })
  await tryIt.getByLabel('Parameter 1').fill('ada')
  await tryIt.getByRole('button', { name: /Subscribe/ }).click()
  await tryIt.locator('[data-state="live"]').waitFor()
  await tryIt.getByRole('cell', { name: 'first' }).waitFor()
  t.equal(await tryIt.getByRole('cell', { name: 'other' }).count(), 0, 'only the parameter’s rows')
  await db.query(`INSERT INTO todo VALUES (3, 'ada', 'arrived live')`)
  await tryIt.getByLabel('Deltas').getByText(/arrived live/).waitFor()
  await tryIt.getByRole('cell', { name: 'arrived live' }).waitFor()
  await studio.shot('live-queries')

  await tryIt.getByRole('button', { name: 'Stop' }).click()
  await page.getByRole('button', { name: 'Drop' }).click()
  await page.getByRole('dialog', { name: 'Drop todos_of?' }).getByRole('button', { name: 'Drop' }).click()
  await page.getByText('todos_of dropped.').waitFor()
  t.equal((await db.query(`SELECT 1 FROM pgr.live_queries WHERE name = 'todos_of'`)).rowCount, 0, 'gone from pg_reactive')
  t.same(studio.errors, [], 'no script errors')
})
