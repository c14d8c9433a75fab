// The hub's CPU per delta on its own: a NOTIFY payload in, the delta message out to the feed's
// topic (publish is a no-op here, so uWS's fan-out is not counted), for a 100-row feed ordered by
// id receiving one-row updates. Since issue 12 the hub reads the payload's fixed header and
// forwards pg_reactive's ops text; before, it JSON.parsed the payload, re-sorted the row into its
// own copy with a JavaScript comparator and JSON.stringified the message.
// Run: node --conditions=@pgstack/source --import tsx bench/live/delta-cpu.ts   Env: N (deltas, default 200000)
import { loadavg } from 'node:os'
import { FeedRegistry } from '../../hub/src/live/feed-registry.ts'
import type { PgrClient } from '../../hub/src/live/pgr.ts'

const N = Number(process.env.N ?? 200_000)
/** The same harness on main before issue 12 (b8f0838), 200,000 deltas, load average 9: */
const BASELINE = '7.2 µs per delta (JSON.parse + FeedRows.apply + JSON.stringify)'

const row = (i: number, changed: boolean) =>
  `{"n": ${changed ? i * 2 : i}, "id": ${i + 1}, "done": ${changed}, "owner": "u${i % 7}", "title": "item ${i}${changed ? ' changed' : ''}", "amount": ${changed ? '99.5' : 12.5 + i}}`
const entries = `[${Array.from({ length: 100 }, (_, i) => `{"key":"[${i + 1}]","row":${row(i, false)}}`).join(',')}]`
const subscribed = async () => ({ subscriptionId: '5', feedId: '12', seq: 0, key: ['id'], snapshot: { seq: 0, size: 100, entries } })
const pgr = { subscribe: subscribed, subscribeSql: subscribed, unsubscribe: async () => {} } as unknown as PgrClient
let bytes = 0
const registry = new FeedRegistry({
  pgr,
  publish: (_topic, message) => void (bytes += message.length),
  numSubscribers: () => 1,
  log: () => {},
  replayDeltas: 256,
  replayBytes: 512 * 1024,
  lingerMs: 0,
  holder: () => null,
})
await registry.acquire({ key: 'k', query: 'items', params: [], role: 'anon', claims: {} })
const ops = Array.from({ length: 100 }, (_, i) => `[{"op": "update", "key": "[${i + 1}]", "row": ${row(i, true)}, "index": ${i}}]`)
const start = process.cpuUsage()
for (let seq = 1; seq <= N; seq++) {
  registry.onNotification(`{"v":2,"kind":"delta","feed":12,"seq":${seq},"size":100,"ops":${ops[seq % 100]}}`)
}
const cpu = process.cpuUsage(start)
console.log(
  `hub CPU per delta: ${((cpu.user + cpu.system) / N).toFixed(2)} µs (${N} deltas, ${(bytes / N).toFixed(0)} bytes a message) | ` +
    `load avg ${loadavg()[0]!.toFixed(1)} | baseline: ${BASELINE}`,
)
await registry.close()
