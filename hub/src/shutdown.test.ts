// A stop signal closes the hub and exits 0; a close that hangs past the timeout, or a second
// signal, exits 1 without waiting; a close that fails exits 1 with the failure logged.
import t from 'tap'
import { shutdownHandler } from './shutdown.ts'

function harness(close: () => Promise<void>, timeoutMs = 50) {
  const lines: string[] = []
  let resolveExit!: (code: number) => void
  const exited = new Promise<number>((resolve) => (resolveExit = resolve))
  const codes: number[] = []
  const stop = shutdownHandler({
    close,
    timeoutMs,
    log: (line) => lines.push(line),
    exit: (code) => {
      codes.push(code)
      resolveExit(code)
    },
  })
  return { stop, lines, exited, codes }
}

t.test('a signal closes the hub, then exits 0', async (t) => {
  let closed = 0
  const h = harness(async () => {
    closed++
  })
  h.stop('SIGTERM')
  t.equal(await h.exited, 0)
  t.equal(closed, 1)
})

t.test('a close that hangs past the timeout exits 1 and says why', async (t) => {
  const h = harness(() => new Promise(() => {}), 30)
  const started = Date.now()
  h.stop('SIGTERM')
  t.equal(await h.exited, 1)
  t.ok(Date.now() - started >= 25, 'waited for the timeout')
  t.match(h.lines.join('\n'), /exiting anyway/)
})

t.test('a second signal exits 1 at once', async (t) => {
  let finish!: () => void
  const h = harness(() => new Promise<void>((resolve) => (finish = resolve)), 60_000)
  h.stop('SIGINT')
  h.stop('SIGINT')
  t.equal(await h.exited, 1)
  t.match(h.lines.join('\n'), /again/)
  finish() // (in the process, exit has ended everything; here the timer must be cleared)
})

t.test('a close that fails exits 1 with its error logged', async (t) => {
  const h = harness(() => Promise.reject(new Error('closing the pool failed: boom')))
  h.stop('SIGTERM')
  t.equal(await h.exited, 1)
  t.match(h.lines.join('\n'), /stopped with errors: closing the pool failed: boom/)
})
