// The SQL editor as a user runs it: an error is shown with PostgreSQL's message and marked where
// PostgreSQL says it is; results come back in a grid with PostgreSQL's text (every digit); the
// history keeps what ran and puts it back.
import t from 'tap'
import { launchBrowser } from '@pgstack/infra/browser'
import { openStudio, startStudioHub, type StudioPage } from './studio-fixture.ts'

t.setTimeout(180_000)

async function typeSql(studio: StudioPage, text: string): Promise<void> {
  const editor = studio.page.getByRole('textbox', { name: 'SQL' })
  await editor.click()
  await studio.page.keyboard.press('Control+A')
  await studio.page.keyboard.press('Delete')
  await studio.page.keyboard.insertText(text)
}

t.test('an error with its position, results with every digit, and the history', async (t) => {
  const hub = await startStudioHub(t)
  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const studio = await openStudio(t, browser, hub)
  const { page } = studio
  await studio.go('/sql')

  await typeSql(studio, 'create table todo (id bigint primary key, title text);\nselect titel from todo')
  await page.keyboard.press('Control+Enter')
  const alert = page.getByRole('alert')
  await alert.getByText('column "titel" does not exist').waitFor()
  t.match(await page.getByTestId('error-position').textContent(), /line 2, column 8/, 'where PostgreSQL says the error is')
  const marked = page.locator('.cm-lintRange-error')
  await marked.waitFor()
  t.equal(await marked.textContent(), 'titel', 'the editor marks the word at that position')
  await page.getByText(/nothing was committed/).waitFor()
  await studio.shot('sql-error')

  await typeSql(studio, "select 9007199254740993::bigint as big, 1234567890123456789012345.5::numeric as wide, 'thé ✓' as t, null as nothing")
  await page.getByRole('button', { name: /Run/ }).click()
  const result = page.getByRole('region', { name: 'Result' })
  await result.getByRole('cell', { name: '9007199254740993' }).waitFor()
  t.equal(await result.getByRole('cell', { name: '1234567890123456789012345.5' }).count(), 1, 'numeric as PostgreSQL prints it')
  t.equal(await result.getByRole('cell', { name: 'thé ✓' }).count(), 1)
  t.equal(await result.getByRole('cell', { name: 'NULL' }).count(), 1, 'NULL shown as NULL')
  await page.locator('.toolbar').getByText('1 row', { exact: true }).waitFor()
  await studio.shot('sql')

  const history = page.getByRole('complementary', { name: 'Query history' })
  await history.getByText(/42703/).waitFor()
  await history.getByRole('button', { name: /select titel from todo/ }).click()
  t.match(await page.getByRole('textbox', { name: 'SQL' }).textContent(), /select titel from todo/, 'a history entry goes back into the editor')
  t.same(studio.errors, [], 'no script errors')
})
