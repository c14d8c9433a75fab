// Until infra's launchBrowser (Debian's Chromium over playwright-core) is on main: the same
// launch, with the project's flags. Never a browser download of Playwright's own.
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run']

export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.PGSTACK_CHROMIUM || '/usr/bin/chromium'
  if (!existsSync(executablePath)) throw new Error(`Browser tests need Chromium at ${executablePath}: apt-get install -y chromium`)
  return chromium.launch({ executablePath, headless: true, args: FLAGS })
}
