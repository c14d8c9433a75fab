// What the React and Solid bindings share: their options, their result shape, and how a
// `(name, options)` or `() => LiveQuery` call becomes an open live query plus its teardown.
import type { LiveQuery } from './live-query.ts'
import { borrowLiveClient } from './shared-live-client.ts'
import type { LiveError, LiveParams, LiveState, LiveTransportFactory } from './types.ts'

export interface LiveQueryOptions {
  /** The hub's URL (`ws(s)://` or `http(s)://`); not needed with `client`. */
  url?: string
  /** The access token; `null`/absent connects as anon. */
  token?: string | null
  params?: LiveParams
  /** An existing client (from createClient) whose connection and token to use. */
  client?: { live<Row>(name: string, options?: { params?: LiveParams }): LiveQuery<Row> }
  transport?: LiveTransportFactory
}

export interface LiveQueryResult<Row> {
  rows: readonly Row[]
  state: LiveState
  error: LiveError | null
}

export const initialResult: LiveQueryResult<never> = { rows: [], state: 'connecting', error: null }

/** Opens the live query a binding was asked for; the returned function closes it and its socket share. */
export function openForBinding<Row>(
  source: string | (() => LiveQuery<Row>),
  options: LiveQueryOptions = {},
): { query: LiveQuery<Row>; close(): void } {
  if (typeof source === 'function') {
    const query = source()
    return { query, close: () => query.close() }
  }
  if (options.client) {
    const query = options.client.live<Row>(source, { params: options.params ?? [] })
    return { query, close: () => query.close() }
  }
  if (!options.url)
    throw new Error('useLiveQuery/createLiveQuery need options.url or options.client.')
  const borrowed = borrowLiveClient(options.url, options.token ?? null, options.transport)
  const query = borrowed.client.live<Row>(source, { params: options.params ?? [] })
  return {
    query,
    close() {
      query.close()
      borrowed.release()
    },
  }
}

export function resultOf<Row>(query: LiveQuery<Row>): LiveQueryResult<Row> {
  return { rows: query.rows, state: query.state, error: query.error }
}

/** What identifies a subscription for re-subscribing when inputs change. */
export function bindingKey(source: unknown, options: LiveQueryOptions): string {
  return JSON.stringify([
    typeof source === 'string' ? source : null,
    options.url,
    options.token,
    options.params,
  ])
}
