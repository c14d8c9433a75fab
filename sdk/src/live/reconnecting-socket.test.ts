// The reconnect backoff: doubling ceilings capped at maxMs, waits drawn from the upper half.
import t from 'tap'
import { reconnectDelay } from './reconnecting-socket.ts'

const backoff = { minMs: 250, maxMs: 10_000 }

t.test('the ceiling doubles from minMs and stops at maxMs', async (t) => {
  const top = (attempt: number) => reconnectDelay(attempt, backoff, () => 1)
  t.same(
    [0, 1, 2, 3, 4, 5, 6, 7, 50].map(top),
    [250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000],
  )
})

t.test('each wait lies in the upper half of its ceiling, spread by the random draw', async (t) => {
  t.equal(
    reconnectDelay(0, backoff, () => 0),
    125,
    'never sooner than half the ceiling',
  )
  t.equal(
    reconnectDelay(9, backoff, () => 0),
    5000,
  )
  t.equal(
    reconnectDelay(9, backoff, () => 0.5),
    7500,
  )
  const waits = Array.from({ length: 2000 }, () => reconnectDelay(9, backoff))
  t.ok(
    waits.every((w) => w >= 5000 && w <= 10_000),
    'within [maxMs/2, maxMs] once capped',
  )
  const early = waits.filter((w) => w < 7500).length
  t.ok(early > 800 && early < 1200, `uniform: about half below the middle (${early} of 2000)`)
})
