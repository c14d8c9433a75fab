// One live query as the application sees it: its rows in the query's order, its state and error,
// and listeners. It applies what its transport reports and owns the unsubscribe that ends it.
import type {
  LiveChange,
  LiveError,
  LiveSink,
  LiveState,
  LiveTarget,
  LiveTransport,
} from './types.ts'

export interface LiveQuery<Row = Record<string, unknown>> {
  /** The current result; replaced (never mutated) on every change, so it can be compared by identity. */
  readonly rows: readonly Row[]
  readonly state: LiveState
  readonly error: LiveError | null
  /** The sequence of the last snapshot or delta applied. */
  readonly sequence: number | null
  /** Called after every change of rows, state or error; returns the unsubscribe. */
  subscribe(listener: (query: LiveQuery<Row>) => void): () => void
  close(): void
}

/** Starts a subscription on `transport` and returns the live query that mirrors it. */
export function openLiveQuery<Row>(transport: LiveTransport, target: LiveTarget): LiveQuery<Row> {
  const listeners = new Set<(query: LiveQuery<Row>) => void>()
  let keys: string[] = []
  let rows: Row[] = []
  let state: LiveState = 'connecting'
  let error: LiveError | null = null
  let sequence: number | null = null

  const notify = () => {
    for (const listener of [...listeners]) listener(query)
  }

  const sink: LiveSink<Row> = {
    snapshot(entries, next) {
      if (state === 'closed') return
      keys = entries.map((entry) => entry.key)
      rows = entries.map((entry) => entry.row)
      sequence = next
      state = 'live'
      error = null
      notify()
    },
    changes(changes, next) {
      if (state === 'closed' || state === 'error') return
      const applied = applyChanges(keys, rows, changes)
      keys = applied.keys
      rows = applied.rows
      sequence = next
      state = 'live'
      error = null
      notify()
    },
    live() {
      if (state !== 'reconnecting' && state !== 'connecting') return
      if (sequence === null) return
      state = 'live'
      notify()
    },
    interrupted() {
      if (state === 'closed' || state === 'error') return
      state = 'reconnecting'
      notify()
    },
    failed(reason, terminal = true) {
      if (state === 'closed' || state === 'error') return
      if (terminal) state = 'error'
      error = reason
      notify()
    },
    lastSequence: () => sequence,
  }

  const unsubscribe = transport.subscribe(target, sink as LiveSink)

  const query: LiveQuery<Row> = {
    get rows() {
      return rows
    },
    get state() {
      return state
    },
    get error() {
      return error
    },
    get sequence() {
      return sequence
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    close() {
      if (state === 'closed') return
      state = 'closed'
      unsubscribe()
      notify()
      listeners.clear()
    },
  }
  return query
}

/**
 * Applies changes in order to rows kept beside their keys. An insert or update lands at its
 * `index` (the position in the query's order after that change), so the rows stay equal to a fresh
 * SELECT without the client knowing the ORDER BY.
 */
export function applyChanges<Row>(
  keys: readonly string[],
  rows: readonly Row[],
  changes: ReadonlyArray<LiveChange<Row>>,
): { keys: string[]; rows: Row[] } {
  const nextKeys = [...keys]
  const nextRows = [...rows]
  for (const change of changes) {
    const at = nextKeys.indexOf(change.key)
    if (at >= 0) {
      nextKeys.splice(at, 1)
      nextRows.splice(at, 1)
    }
    if (change.kind === 'delete') continue
    const index = Math.max(0, Math.min(change.index, nextKeys.length))
    nextKeys.splice(index, 0, change.key)
    nextRows.splice(index, 0, change.row)
  }
  return { keys: nextKeys, rows: nextRows }
}
