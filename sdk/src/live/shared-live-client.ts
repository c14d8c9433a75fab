// Live clients for the framework bindings, which take a URL and a token instead of a client:
// components that name the same hub and token share one socket, which closes soon after the last
// of them lets go.
import { createLiveClient, type LiveClient } from './live-client.ts'
import type { LiveTransportFactory } from './types.ts'

interface Entry {
  client: LiveClient
  refs: number
}

const shared = new Map<LiveTransportFactory | undefined, Map<string, Entry>>()

/** Borrows the live client for `url` and `token`; call the returned release when done with it. */
export function borrowLiveClient(
  url: string,
  token: string | null,
  transport?: LiveTransportFactory,
): { client: LiveClient; release(): void } {
  let byKey = shared.get(transport)
  if (!byKey) shared.set(transport, (byKey = new Map()))
  const key = `${url}\u0000${token ?? ''}`
  let entry = byKey.get(key)
  if (!entry) {
    entry = {
      client: createLiveClient({
        url,
        getToken: async () => token,
        ...(transport ? { transport } : {}),
      }),
      refs: 0,
    }
    byKey.set(key, entry)
  }
  entry.refs += 1
  const borrowed = entry
  let released = false
  return {
    client: borrowed.client,
    release() {
      if (released) return
      released = true
      borrowed.refs -= 1
      // Close after the current task, so that a component re-subscribing with new parameters
      // (cleanup, then effect, in one commit) keeps the socket instead of reconnecting.
      queueMicrotask(() => {
        if (borrowed.refs > 0 || byKey.get(key) !== borrowed) return
        borrowed.client.close()
        byKey.delete(key)
        if (byKey.size === 0) shared.delete(transport)
      })
    },
  }
}
