// A pg_reactive stand-in for the live path's unit tests (feed, registry, session): one feed (12)
// whose rows (as pgr.entries text), sequence and log the test sets, every call recorded, and any
// call made to fail once with a PostgreSQL-like error. Test-only: nothing in src imports it.
import { FeedRegistry } from './feed-registry.ts'
import type { PgrClient, PgrDelta } from './pgr.ts'

export interface FakePgrState {
  startedAt: string
  seq: number
  entries: string
  log: PgrDelta[]
  /** Errors the next call of a method throws (then it answers again). */
  fail: Partial<Record<keyof PgrClient, Error & { code?: string }>>
}

export function fakePgr() {
  const calls: string[] = []
  const state: FakePgrState = { startedAt: 'A', seq: 0, entries: '[{"key":"[1]","row":{"id": 1}}]', log: [], fail: {} }
  const snapshot = () => ({ seq: state.seq, size: (state.entries.match(/"key"/g) ?? []).length, entries: state.entries })
  const subscribed = () => ({ subscriptionId: '5', feedId: '12', seq: state.seq, key: ['id'], snapshot: snapshot() })
  const answer = <T>(method: keyof PgrClient, value: () => T): Promise<T> => {
    calls.push(method)
    const error = state.fail[method]
    if (error) {
      delete state.fail[method]
      return Promise.reject(error)
    }
    return Promise.resolve(value())
  }
  const pgr: PgrClient = {
    subscribe: () => answer('subscribe', subscribed),
    subscribeSql: () => answer('subscribeSql', subscribed),
    changes: (_id, after) => answer('changes', () => state.log.filter((d) => d.seq > after)),
    resync: () => answer('resync', snapshot),
    sequence: () => answer('sequence', () => state.seq),
    serverStartedAt: () => answer('serverStartedAt', () => state.startedAt),
    hold: (ids) => answer('hold', () => ids),
    unsubscribe: () => answer('unsubscribe', () => undefined),
  }
  return { pgr, calls, state }
}

/** A NOTIFY payload as pg_reactive 2 sends it (feed 12). */
export const deltaPayload = (seq: number, ops: string, size = 1) => `{"v":2,"kind":"delta","feed":12,"seq":${seq},"size":${size},"ops":${ops}}`

/** The ops text of one insert of row {id}, as pg_reactive writes it. */
export const insertOps = (id: string, index = 0) => `[{"op": "insert", "key": "[${id}]", "row": {"id": ${id}}, "index": ${index}}]`

/** A PostgreSQL-like error. */
export const pgError = (code: string, message = code) => Object.assign(new Error(message), { code })

/** A registry over `pgr` that records what it publishes; feeds go as soon as their last lease does. */
export function registryWith(pgr: PgrClient) {
  const published: Array<[string, string]> = []
  const registry = new FeedRegistry({
    pgr,
    publish: (topic, message) => void published.push([topic, message]),
    numSubscribers: () => 1,
    log: () => {},
    replayDeltas: 16,
    replayBytes: 1 << 20,
    lingerMs: 0,
    holder: () => 1,
  })
  return { registry, published }
}
