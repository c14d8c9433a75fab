// @pgstack/sdk/react: useLiveQuery. The hook owns its subscription: it opens it in an effect and
// closes it on unmount or when its inputs change. React is a peer dependency.
import { useEffect, useState } from 'react'
import type { LiveQuery } from './live/live-query.ts'
import {
  bindingKey,
  initialResult,
  openForBinding,
  resultOf,
  type LiveQueryOptions,
  type LiveQueryResult,
} from './live/bindings.ts'

export type { LiveQueryOptions, LiveQueryResult } from './live/bindings.ts'

/**
 * `useLiveQuery('active_todos', { url, token, params })` or, for a builder query,
 * `useLiveQuery(() => client.from('todos').select('*').eq('done', false).live(), [deps])`.
 */
export function useLiveQuery<Row = Record<string, unknown>>(
  name: string,
  options: LiveQueryOptions,
): LiveQueryResult<Row>
export function useLiveQuery<Row>(
  open: () => LiveQuery<Row>,
  deps?: readonly unknown[],
): LiveQueryResult<Row>
export function useLiveQuery<Row>(
  source: string | (() => LiveQuery<Row>),
  second?: LiveQueryOptions | readonly unknown[],
): LiveQueryResult<Row> {
  const [result, setResult] = useState<LiveQueryResult<Row>>(initialResult)
  const options = Array.isArray(second) ? {} : ((second ?? {}) as LiveQueryOptions)
  const deps = Array.isArray(second)
    ? second
    : [bindingKey(source, options), options.client, options.transport]
  useEffect(() => {
    const { query, close } = openForBinding(source, options)
    setResult(resultOf(query))
    const unsubscribe = query.subscribe(() => setResult(resultOf(query)))
    return () => {
      unsubscribe()
      close()
    }
    // The subscription depends on what `deps` names, not on the identity of inline options.
  }, deps)
  return result
}
