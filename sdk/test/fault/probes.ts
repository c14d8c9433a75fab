// Starts a live probe (live-probe.ts) on one of the WebSockets the SDK supports — `ws` in this
// process, Node's built-in one in a child process, Chromium's in a page — and collects its events.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import { build } from 'esbuild'
import type { Browser } from 'playwright-core'
import { WebSocket } from 'ws'
import type { WebSocketConstructor } from '@pgstack/sdk/pgstack'
import { runProbe, type ProbeConfig, type ProbeEvent } from './live-probe.ts'

export type Runtime = 'ws' | 'node' | 'chromium'
export const RUNTIMES: Runtime[] = ['ws', 'node', 'chromium']

export interface Probe {
  runtime: Runtime
  events: ProbeEvent[]
  /** Waits until `check(events)` is truthy and returns it; fails naming `what` (and the child's stderr) after `ms`. */
  until<T>(
    check: (events: ProbeEvent[]) => T | undefined | false,
    what: string,
    ms?: number,
  ): Promise<T>
  stop(): Promise<void>
}

const root = join(import.meta.dirname, '../../..')
let bundle: Promise<string> | undefined
/** probe-browser.ts and the SDK as one script for the page, built once per test process. */
const browserBundle = () =>
  (bundle ??= build({
    entryPoints: [join(import.meta.dirname, 'probe-browser.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
    // the SDK's source, as the tests run it (the workspace's dev condition)
    conditions: ['@pgstack/source'],
  }).then((result) => result.outputFiles[0]!.text))

export async function startProbe(
  runtime: Runtime,
  config: ProbeConfig,
  browser?: Browser,
): Promise<Probe> {
  const events: ProbeEvent[] = []
  const push = (event: ProbeEvent) => void events.push(event)
  let stderr = ''
  let stop: () => Promise<void>
  if (runtime === 'ws') {
    const close = runProbe(config, WebSocket as unknown as WebSocketConstructor, push)
    stop = async () => close()
  } else if (runtime === 'node') {
    const child = spawn(
      process.execPath,
      [
        '--experimental-websocket',
        '--conditions=@pgstack/source',
        '--no-warnings',
        '--import',
        'tsx',
        join(import.meta.dirname, 'probe-node.ts'),
        JSON.stringify(config),
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()))
    createInterface({ input: child.stdout }).on('line', (line) =>
      push(JSON.parse(line) as ProbeEvent),
    )
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    stop = async () => {
      child.kill('SIGKILL')
      await exited
    }
  } else {
    if (!browser) throw new Error('a chromium probe needs the browser')
    const page = await browser.newPage()
    page.on('pageerror', (error) => void (stderr += `${error.message}\n`))
    await page.exposeFunction('report', push)
    await page.addScriptTag({ content: await browserBundle() })
    await page.evaluate(
      (c) => (globalThis as unknown as { startProbe(c: unknown): void }).startProbe(c),
      config,
    )
    stop = () => page.close()
  }
  return {
    runtime,
    events,
    async until(check, what, ms = 15_000) {
      const end = Date.now() + ms
      for (;;) {
        const found = check(events)
        if (found) return found
        if (Date.now() > end) {
          const tail = JSON.stringify(events.slice(-8))
          throw new Error(
            `${runtime}: timed out waiting for ${what}; last events ${tail}${stderr ? `; stderr ${stderr}` : ''}`,
          )
        }
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    },
    stop,
  }
}
