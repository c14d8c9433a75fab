// @pgstack/sdk/solid: createLiveQuery. Call it inside a reactive owner (a component or
// createRoot); the subscription closes when that owner is disposed. solid-js is a peer dependency.
import { createSignal, getOwner, onCleanup } from 'solid-js'
import type { LiveQuery } from './live/live-query.ts'
import {
  initialResult,
  openForBinding,
  resultOf,
  type LiveQueryOptions,
  type LiveQueryResult,
} from './live/bindings.ts'

export type { LiveQueryOptions, LiveQueryResult } from './live/bindings.ts'

/**
 * `createLiveQuery('active_todos', { url, token, params })` or
 * `createLiveQuery(() => client.from('todos').select('*').live())`. Returns an object whose
 * `rows`, `state` and `error` are reactive reads (do not destructure it).
 */
export function createLiveQuery<Row = Record<string, unknown>>(
  source: string | (() => LiveQuery<Row>),
  options?: LiveQueryOptions,
): LiveQueryResult<Row> {
  const [result, setResult] = createSignal<LiveQueryResult<Row>>(initialResult)
  const { query, close } = openForBinding(source, options)
  setResult(resultOf(query))
  const unsubscribe = query.subscribe(() => setResult(resultOf(query)))
  if (getOwner()) {
    // Close before unsubscribing, so reads after disposal say `closed`.
    onCleanup(() => {
      close()
      unsubscribe()
    })
  }
  return {
    get rows() {
      return result().rows
    },
    get state() {
      return result().state
    },
    get error() {
      return result().error
    },
  }
}
