// Tables as a user works with them: the warning on a table anon can reach with RLS off (and none on
// a protected one), rows browsed with filters and sorting with every digit of bigint and numeric
// kept, a row edited and saved through /rest/v1 by its bigint key, a row inserted and deleted.
import t from 'tap'
import pg from 'pg'
import { launchBrowser } from '@pgstack/infra/browser'
import { openStudio, startStudioHub } from './studio-fixture.ts'

t.setTimeout(240_000)

t.test('tables: RLS warning, browse, filter, sort, edit, insert and delete rows', async (t) => {
  const hub = await startStudioHub(t)
  const db = new pg.Client({ connectionString: hub.db.adminUrl })
  await db.connect()
  t.teardown(() => db.end())
  await db.query(`
    CREATE TABLE todos (id bigint PRIMARY KEY, title text NOT NULL, done boolean NOT NULL DEFAULT false,
                        amount numeric(30,5), tags text[], meta jsonb);
    INSERT INTO todos VALUES
      (9007199254740993, 'Buy oat milk', false, 12345678901234567890.12345, '{shopping}', '{"priority": 1}'),
      (2, 'Crème brûlée for Zoë', true, NULL, '{}', NULL);
    INSERT INTO todos (id, title) SELECT g, 'Task ' || g FROM generate_series(3, 150) g;
    GRANT SELECT, INSERT, UPDATE, DELETE ON todos TO anon;
    CREATE TABLE notes (id serial PRIMARY KEY, owner uuid, body text);
    ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
    CREATE POLICY own_notes ON notes TO authenticated USING (owner = auth.uid()) WITH CHECK (owner = auth.uid());
  `)

  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const studio = await openStudio(t, browser, hub)
  const { page } = studio
  await studio.go('/tables')
  const list = page.getByRole('navigation', { name: 'Studio' }).locator('..').locator('.list-pane')
  const todosLink = list.getByRole('link', { name: /todos/ })
  await todosLink.waitFor()
  t.equal(await todosLink.getByLabel('warning').count(), 1, 'the list marks the unprotected table')
  t.equal(await list.getByRole('link', { name: /notes/ }).getByLabel('warning').count(), 0, 'and not the protected one')

  await list.getByRole('link', { name: /notes/ }).click()
  await page.getByRole('tab', { name: /RLS & policies/ }).waitFor()
  t.equal(await page.locator('[data-warning="anon_without_rls"]').count(), 0, 'no warning on a table with RLS on')

  await todosLink.click()
  const warning = page.locator('[data-warning="anon_without_rls"]')
  await warning.waitFor()
  t.match(await warning.textContent(), /anon can read and write public\.todos: row level security is off/)
  t.match(await warning.textContent(), /ENABLE ROW LEVEL SECURITY/, 'with the statement that fixes it')

  const grid = page.getByRole('region', { name: 'Rows of public.todos' })
  await page.getByText('Rows 1–100 of 150').waitFor()
  await grid.getByRole('cell', { name: 'Crème brûlée for Zoë' }).waitFor()
  await studio.shot('tables')

  // Sort: newest id first by clicking the header twice (ascending, then descending). PostgreSQL
  // orders the rows, so the bigint past 2^53 comes first, shown with every digit.
  const idHeader = grid.getByRole('columnheader', { name: /^id/ })
  await idHeader.click()
  await idHeader.click()
  await page.waitForFunction(() => document.querySelector('[aria-label="Rows of public.todos"] tbody tr[aria-rowindex="1"] td')?.textContent === '9007199254740993')
  t.equal(await grid.getByRole('cell', { name: '12345678901234567890.12345' }).count(), 1, 'a 25-digit numeric keeps every digit')

  // Filter: title ilike %milk%
  await page.getByRole('button', { name: 'Filter' }).click()
  await page.getByLabel('Column').selectOption('title')
  await page.getByLabel('Operator').selectOption('ilike')
  await page.getByLabel('Value').fill('%milk%')
  await page.getByRole('button', { name: 'Apply filters' }).click()
  await page.getByText('Rows 1–1 of 1').waitFor()

  // Edit the filtered row: select it, Enter opens the form.
  await grid.getByRole('cell', { name: 'Buy oat milk' }).click()
  await grid.press('Enter')
  const editor = page.getByRole('dialog', { name: /Edit row of public\.todos/ })
  await editor.waitFor()
  await studio.shot('tables-edit-row')
  await editor.getByLabel('title').fill('Buy oat milk ✓')
  await editor.getByRole('button', { name: 'Save changes' }).click()
  await page.getByText('Row saved.').waitFor()
  await grid.getByRole('cell', { name: 'Buy oat milk ✓' }).waitFor()
  const saved = await db.query(`SELECT title, amount::text FROM todos WHERE id = 9007199254740993`)
  t.same(saved.rows, [{ title: 'Buy oat milk ✓', amount: '12345678901234567890.12345' }], 'saved by its exact key; the other columns untouched')

  // Insert a row, then delete it.
  await page.getByRole('button', { name: 'Clear' }).click()
  await page.getByRole('button', { name: 'Insert row' }).click()
  const inserter = page.getByRole('dialog', { name: /Insert into public\.todos/ })
  await inserter.getByLabel('id').fill('9007199254740995')
  await inserter.getByLabel('title').fill('Inserted from the Studio')
  await inserter.getByLabel('meta').fill('{"from": "studio"}')
  await inserter.getByRole('button', { name: 'Insert row' }).click()
  await page.getByText('Row inserted.').waitFor()
  const inserted = await db.query(`SELECT title, done, meta FROM todos WHERE id = 9007199254740995`)
  t.same(inserted.rows, [{ title: 'Inserted from the Studio', done: false, meta: { from: 'studio' } }], 'defaults apply to the fields left empty')

  await page.getByRole('button', { name: 'Filter' }).click()
  await page.getByLabel('Column').selectOption('id')
  await page.getByLabel('Value').fill('9007199254740995')
  await page.getByRole('button', { name: 'Apply filters' }).click()
  await page.getByText('Rows 1–1 of 1').waitFor()
  await grid.getByRole('cell', { name: 'Inserted from the Studio' }).click()
  await page.getByRole('button', { name: 'Delete', exact: true }).click()
  await page.getByRole('dialog', { name: 'Delete this row?' }).getByRole('button', { name: 'Delete row' }).click()
  await page.getByText('Row deleted.').waitFor()
  t.equal((await db.query(`SELECT 1 FROM todos WHERE id = 9007199254740995`)).rowCount, 0, 'deleted')

  await page.getByRole('tab', { name: /Structure/ }).click()
  await page.getByRole('table', { name: 'Columns' }).waitFor()
  await studio.shot('tables-structure')
  await page.getByRole('tab', { name: /RLS & policies/ }).click()
  await studio.shot('tables-policies')
  t.same(studio.errors, [], 'no script errors')
})

t.test('a write refused by PostgreSQL shows PostgreSQL’s error in the form', async (t) => {
  const hub = await startStudioHub(t)
  const db = new pg.Client({ connectionString: hub.db.adminUrl })
  await db.connect()
  t.teardown(() => db.end())
  await db.query(`CREATE TABLE item (id int PRIMARY KEY, qty int NOT NULL CHECK (qty >= 0)); INSERT INTO item VALUES (1, 5);`)
  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const studio = await openStudio(t, browser, hub)
  const { page } = studio
  await studio.go('/tables/public/item')
  const grid = page.getByRole('region', { name: 'Rows of public.item' })
  await grid.getByRole('cell', { name: '5' }).dblclick()
  const editor = page.getByRole('dialog', { name: /Edit row of public\.item/ })
  await editor.getByLabel('qty').fill('-1')
  await editor.getByRole('button', { name: 'Save changes' }).click()
  await editor.getByRole('alert').filter({ hasText: /violates check constraint/ }).waitFor()
  t.match(await editor.getByRole('alert').textContent(), /23514/, 'with its SQLSTATE')
  t.equal((await db.query('SELECT qty FROM item')).rows[0].qty, 5, 'nothing changed')
})
