// Chromium for browser tests (the SDK's fault tests, the Studio's): Debian's package, installed by
// the project's setup when it is missing (apt-get as root; otherwise one line saying what to
// install), driven with playwright-core. Never a browser download of Playwright's own.
// A browser test never skips itself: without Chromium, launchBrowser() throws and the test fails.
import { existsSync, readFileSync } from 'node:fs'
import type { Browser } from 'playwright-core'
import { aptInstall } from './apt.ts'
import { InfraError } from './pg-binaries.ts'

/** The flags every test browser runs with (headless, no sandbox as root, no network of its own). */
export const BROWSER_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
]

/** `PGSTACK_CHROMIUM`, else Debian's `/usr/bin/chromium`. */
export function chromiumPath(): string {
  return process.env.PGSTACK_CHROMIUM || '/usr/bin/chromium'
}

const NEED = 'Browser tests need Chromium'
const OR_ELSE = ' (or set PGSTACK_CHROMIUM to a Chromium binary)'

/** Installs Debian's chromium when it is missing and we are root; throws the one-line advice otherwise. */
export function ensureChromium(log: (line: string) => void = () => {}): string {
  const path = chromiumPath()
  if (existsSync(path)) return path
  if (process.env.PGSTACK_CHROMIUM)
    throw new InfraError(`${NEED}: PGSTACK_CHROMIUM=${path} does not exist.`)
  aptInstall('chromium', NEED, log, OR_ELSE)
  if (!existsSync(path))
    throw new InfraError(`chromium was installed but ${path} is still missing.`)
  return path
}

/** A headless Chromium; close it in the test's teardown. Fails (never skips) without Chromium. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath()
  if (!existsSync(executablePath)) {
    throw new InfraError(
      `${NEED}: install it with \`sudo apt-get install -y chromium\`${OR_ELSE}; \`npm test\` does it when run as root.`,
    )
  }
  const { chromium } = await import('playwright-core')
  const before = new Set(childPids())
  const browser = await chromium.launch({ executablePath, headless: true, args: BROWSER_FLAGS })
  const launched = childPids().filter((pid) => !before.has(pid))
  const close = browser.close.bind(browser)
  // A test file whose tests all passed once stayed alive until tap's timeout (a land run under
  // full load): the close of the browser is bounded, and Chromium killed when it does not end.
  browser.close = async (options) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const closed = await Promise.race([
      close(options).then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CLOSE_TIMEOUT_MS))),
    ]).finally(() => clearTimeout(timer))
    if (closed) return
    console.error(`# chromium did not close within ${CLOSE_TIMEOUT_MS} ms: killing it (pids ${launched.join(', ')})`)
    for (const pid of launched) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  }
  return browser
}

const CLOSE_TIMEOUT_MS = 15_000

/** This process's children (Linux /proc; empty elsewhere). */
function childPids(): number[] {
  try {
    return readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
  } catch {
    return []
  }
}
