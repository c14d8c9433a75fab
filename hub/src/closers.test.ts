// The teardown stack: reverse order, every closer runs even when one fails, close is idempotent,
// and a failed start-up closes what it had started before reporting its own error.
import t from 'tap'
import { Closers } from './closers.ts'

t.test('closers run last-pushed first, each awaited before the next', async (t) => {
  const closers = new Closers()
  const order: string[] = []
  for (const name of ['pool', 'listener', 'app']) {
    closers.push(name, async () => {
      await new Promise((resolve) => setTimeout(resolve, name === 'app' ? 20 : 1))
      order.push(name)
    })
  }
  await closers.close()
  t.same(order, ['app', 'listener', 'pool'])
})

t.test('a failing closer does not stop the others, and the failure is reported after all ran', async (t) => {
  const closers = new Closers()
  const closed: string[] = []
  closers.push('pool', () => closed.push('pool'))
  closers.push('auth', () => {
    throw new Error('mail sender stuck')
  })
  closers.push('live', () => closed.push('live'))
  const error = (await closers.close().then(() => null, (e: unknown) => e)) as AggregateError
  t.ok(error instanceof AggregateError)
  t.match(error.message, /closing auth failed: mail sender stuck/)
  t.same(closed, ['live', 'pool'])
})

t.test('close twice runs each closer once; nothing can be pushed once closing', async (t) => {
  const closers = new Closers()
  let runs = 0
  closers.push('pool', () => runs++)
  const first = closers.close()
  t.equal(closers.close(), first)
  await first
  t.equal(runs, 1)
  t.throws(() => closers.push('late', () => {}), /already closing/)
})

t.test('abort closes what was started and rethrows the start-up error, not a closer failure', async (t) => {
  const closers = new Closers()
  const closed: string[] = []
  closers.push('pool', () => closed.push('pool'))
  closers.push('listener', () => {
    throw new Error('secondary')
  })
  const cause = new Error('Could not listen on 127.0.0.1:1')
  await t.rejects(closers.abort(cause), cause)
  t.same(closed, ['pool'])
})
