// What the Studio's browser tests share: a hub over a fresh database serving the current Studio
// build, a page of headless Chromium signed in to it, and screenshots kept under the test output
// (test-output/studio/, one PNG per page). Test files launch the browser themselves.
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { startTestHub, type TestHub } from '@pgstack/hub/testing'
import { ensureStudioBuilt } from '@pgstack/studio'

interface Teardown {
  teardown(fn: () => unknown): void
  passing?(): boolean
  name?: string
}

export const SCREENSHOT_DIR = join(import.meta.dirname, '..', '..', 'test-output', 'studio')

/** A hub serving a build of the Studio's current sources (built first if they changed). */
export async function startStudioHub(t: Teardown, options: { env?: Record<string, string> } = {}): Promise<TestHub> {
  await ensureStudioBuilt()
  return startTestHub(t, options)
}

export interface StudioPage {
  page: Page
  /** Opens a Studio path (e.g. '/tables') in the signed-in page. */
  go(path: string): Promise<void>
  /** Saves a screenshot of the page as test-output/studio/<name>.png. */
  shot(name: string): Promise<string>
  /** Errors the page threw or logged, for asserting there were none. */
  errors: string[]
}

/** A new page at 1280×800, signed in with the service key unless told not to. */
export async function openStudio(
  t: Teardown,
  browser: Browser,
  hub: TestHub,
  options: { signIn?: boolean; colorScheme?: 'light' | 'dark' } = {},
): Promise<StudioPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: options.colorScheme ?? 'light' })
  const page = await context.newPage()
  // A failing test leaves a picture of what the page showed.
  const failedShot = join(SCREENSHOT_DIR, `failed-${(t.name ?? 'test').replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`)
  t.teardown(async () => {
    if (t.passing && !t.passing()) {
      mkdirSync(SCREENSHOT_DIR, { recursive: true })
      await page.screenshot({ path: failedShot }).catch(() => {})
    } else {
      rmSync(failedShot, { force: true }) // an earlier run's failure is history
    }
    await context.close()
  })
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`))
  page.on('console', (message) => {
    // A refused request is the page's own business (tests of refusals see them); scripts failing is not.
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) errors.push(`console: ${message.text()}`)
  })
  const studio: StudioPage = {
    page,
    errors,
    async go(path) {
      await page.goto(`${hub.url}/studio${path}`)
    },
    async shot(name) {
      mkdirSync(SCREENSHOT_DIR, { recursive: true })
      const file = join(SCREENSHOT_DIR, `${name}.png`)
      await page.screenshot({ path: file })
      return file
    },
  }
  if (options.signIn !== false) {
    await studio.go('/')
    await page.getByLabel('Service key').fill(hub.serviceKey)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'Live inspector' }).waitFor()
  }
  return studio
}
