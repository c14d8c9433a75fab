// The live transport comes back from every way a socket can fail, on every WebSocket the SDK
// supports (`ws` in this process, Node's built-in one in a child process, Chromium's in a page):
// a refused connection (Node's built-in WebSocket reports only `error`), a reset, an opening that
// hangs, a socket gone silent, the server killed under a live client — and a client that starts
// before the server, with token refreshes failing meanwhile. Never two sockets at once; the waits
// follow the documented backoff, so no second timer dials in between.
import t from 'tap'
import { launchBrowser } from '@pgstack/infra/browser'
import { startFaultServer } from './fault/fault-server.ts'
import type { ProbeConfig, ProbeEvent } from './fault/live-probe.ts'
import { RUNTIMES, startProbe } from './fault/probes.ts'

const browser = await launchBrowser()
t.teardown(() => browser.close())

const BACKOFF = { minMs: 40, maxMs: 320 }
const CONNECT_TIMEOUT_MS = 400
const config = (url: string, extra: Partial<ProbeConfig> = {}): ProbeConfig => ({
  url,
  query: 'todos',
  reconnect: BACKOFF,
  connectTimeoutMs: CONNECT_TIMEOUT_MS,
  tokens: ['jwt'],
  ...extra,
})
type Of<K extends ProbeEvent['type']> = Extract<ProbeEvent, { type: K }>
const dials = (events: ProbeEvent[]) => events.filter((e): e is Of<'dial'> => e.type === 'dial')
const states = (events: ProbeEvent[]) => events.filter((e): e is Of<'state'> => e.type === 'state')
const stateIs = (state: string) => (events: ProbeEvent[]) => states(events).at(-1)?.state === state
/** The ceiling of the wait before the dial after `failures` failed attempts in a row. */
const ceiling = (failures: number) => Math.min(BACKOFF.maxMs, BACKOFF.minMs * 2 ** failures)

for (const runtime of RUNTIMES) {
  t.test(
    `${runtime}: a client started before the server backs off with jitter, one socket at a time, through failing token refreshes, and goes live when the server comes up`,
    async (t) => {
      const server = await startFaultServer(t, 25_000, false)
      const tokens = ['reject', 'reject', 'reject', 'jwt-fresh']
      const probe = await startProbe(runtime, config(server.url, { tokens }), browser)
      t.teardown(() => probe.stop())
      await probe.until((events) => dials(events).length >= 6, 'six refused attempts')
      await server.up()
      await probe.until(stateIs('live'), 'live once the server is up')

      const attempts = dials(probe.events)
      t.same(
        attempts.filter((d) => d.others > 0),
        [],
        'never two sockets at once',
      )
      const early = attempts.slice(1).filter((d, i) => d.at - attempts[i]!.at < ceiling(i) / 2 - 2)
      t.same(early, [], 'no attempt sooner than half its backoff ceiling (no second timer)')
      const late = attempts.slice(1).filter((d, i) => d.at - attempts[i]!.at > ceiling(i) + 1000)
      t.same(late, [], 'no attempt much later than its ceiling')
      const answers = probe.events
        .filter((e): e is Of<'token'> => e.type === 'token')
        .map((e) => e.answer)
      t.same(answers.slice(0, 4), tokens, 'getToken() was asked again after each rejection')
      const auths = server.received.filter((m) => m.type === 'auth').map((m) => m.token)
      t.same(auths, ['jwt-fresh'], 'the server got the token that finally came')
      t.same(states(probe.events).at(-1)?.rows, [{ id: 1, title: 'milk' }], 'rows of the snapshot')
    },
  )

  t.test(
    `${runtime}: reset connections and an opening that hangs (connect timeout) are retried; one socket at a time`,
    async (t) => {
      const server = await startFaultServer(t, 25_000)
      server.mode = 'reset'
      const probe = await startProbe(runtime, config(server.url), browser)
      t.teardown(() => probe.stop())
      await probe.until((events) => dials(events).length >= 3, 'three reset connections')
      server.mode = 'hang'
      const hung = await probe.until(
        () => server.upgrades.find((c) => c.mode === 'hang'),
        'a hanging opening',
      )
      server.mode = 'serve'
      await probe.until(
        () => server.upgrades.find((c) => c.at >= hung.at && c.mode === 'serve'),
        'the opening after the hanging one',
      )
      // Timed on the client's own clock (dials are stamped where they happen; the server's event
      // loop may stamp an opening late under load): the dial that hung is the last one made before
      // the server saw it, and the client's next dial waits for the connect timeout at least. The
      // client's reports reach the test later than its sockets reach the server: wait for them.
      const [hungDial, next] = await probe.until((events) => {
        const all = dials(events)
        const i = all.findLastIndex((d) => d.at <= hung.at)
        return i >= 0 && all[i + 1] ? [all[i]!, all[i + 1]!] : undefined
      }, "the client's report of its dial after the hanging one")
      t.ok(
        next.at - hungDial.at >= CONNECT_TIMEOUT_MS,
        `the hanging opening was given up after the connect timeout (${next.at - hungDial.at} ms)`,
      )
      await probe.until(stateIs('live'), 'live')
      t.equal(server.maxOpen, 1, 'the server never saw two connections from the client at once')
      t.equal(server.open(), 1, 'the hanging connection was closed by the client')
      t.same(
        dials(probe.events).filter((d) => d.others > 0),
        [],
        'never two sockets at once',
      )
    },
  )

  t.test(
    `${runtime}: a socket gone silent is dropped after two heartbeat intervals and its subscription resumes`,
    async (t) => {
      const heartbeatMs = 100
      const server = await startFaultServer(t, heartbeatMs)
      const probe = await startProbe(runtime, config(server.url), browser)
      t.teardown(() => probe.stop())
      await probe.until(stateIs('live'), 'live')
      server.mode = 'silent'
      const dropped = await probe.until(
        (events) => states(events).find((e) => e.state === 'reconnecting'),
        'reconnecting',
      )
      const heard = probe.events.findLast((e) => e.type === 'frame' && e.at <= dropped.at)!
      const silence = dropped.at - heard.at
      t.ok(silence >= 2 * heartbeatMs - 2, `not before two intervals of silence (${silence} ms)`)
      server.mode = 'serve'
      const mark = probe.events.length
      await probe.until(stateIs('live'), 'live again')
      const subscribes = server.received.filter((m) => m.type === 'subscribe')
      t.same(subscribes.at(-1)?.resume, { feed: 1, seq: 10 }, 'resubscribed from the last sequence')
      const frames = probe.events
        .slice(mark)
        .filter((e): e is Of<'frame'> => e.type === 'frame' && e.kind !== 'heartbeat')
      t.same(
        frames.map((f) => f.kind),
        ['welcome', 'resumed', 'state'],
        'resumed, no second snapshot',
      )
      t.same(
        dials(probe.events).filter((d) => d.others > 0),
        [],
        'the silent socket was closed before the next one opened',
      )
    },
  )

  t.test(
    `${runtime}: the server killed under a live client: refused while down, live again when it is back`,
    async (t) => {
      const server = await startFaultServer(t, 25_000)
      const probe = await startProbe(runtime, config(server.url), browser)
      t.teardown(() => probe.stop())
      await probe.until(stateIs('live'), 'live')
      const before = dials(probe.events).length
      await server.down()
      await probe.until(stateIs('reconnecting'), 'reconnecting')
      await probe.until((events) => dials(events).length >= before + 3, 'three refused attempts')
      server.feed.seq = 11
      server.feed.rows = [...server.feed.rows, { key: '[2]', row: { id: 2, title: 'eggs' } }]
      await server.up()
      await probe.until(stateIs('live'), 'live again')
      t.same(states(probe.events).at(-1)?.rows, [
        { id: 1, title: 'milk' },
        { id: 2, title: 'eggs' },
      ])
      t.same(server.received.filter((m) => m.type === 'subscribe').at(-1)?.resume, {
        feed: 1,
        seq: 10,
      })
      t.same(
        dials(probe.events).filter((d) => d.others > 0),
        [],
        'never two sockets at once',
      )
    },
  )
}
