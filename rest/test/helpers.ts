// One hub per test file, with the fixture schema loaded and the schema cache reloaded.
import { PostgrestClient } from '@supabase/postgrest-js'
import pg from 'pg'
import { startTestHub, type TestHub } from '@pgstack/hub/testing'
import { createFixture } from './fixtures.ts'

export interface RestTest extends TestHub {
  rest: string
  client(token?: string): PostgrestClient
  fetch(path: string, init?: RequestInit & { token?: string }): Promise<Response>
  /** Runs SQL as the superuser on a connection of its own (DDL, fixtures); the last result's rows. */
  admin(sql: string, values?: unknown[]): Promise<Record<string, unknown>[]>
}

interface Teardown {
  teardown(fn: () => unknown): void
}

/** `extraSql`: the test file's own schema, created after the shared fixture (as the superuser). */
export async function startRestTest(t: Teardown, extraSql = '', options: { env?: Record<string, string> } = {}): Promise<RestTest> {
  const hub = await startTestHub(t, options)
  await createFixture(hub.db.adminUrl, extraSql)
  const rest = `${hub.url}/rest/v1`
  // The fixture's DDL notifies pgrst; wait until the cache sees its last function.
  let ready = false
  for (let i = 0; i < 200 && !ready; i++) {
    const res = await fetch(`${rest}/rpc/fixture_ready`, { headers: { apikey: hub.anonKey } })
    await res.arrayBuffer()
    ready = res.status === 200
    if (!ready) await new Promise((r) => setTimeout(r, 50))
  }
  if (!ready) throw new Error('the schema cache never saw the fixture (reload failed?)')
  return {
    ...hub,
    rest,
    client: (token = hub.anonKey) => new PostgrestClient(rest, { headers: { apikey: hub.anonKey, Authorization: `Bearer ${token}` } }),
    admin: async (sql, values) => {
      const client = new pg.Client({ connectionString: hub.db.adminUrl })
      await client.connect()
      try {
        const result = (await client.query(sql, values)) as pg.QueryResult | pg.QueryResult[]
        return (Array.isArray(result) ? result[result.length - 1]! : result).rows
      } finally {
        await client.end()
      }
    },
    fetch: (path, init = {}) => {
      const headers = new Headers(init.headers)
      if (!headers.has('apikey')) headers.set('apikey', hub.anonKey)
      if (init.token) headers.set('Authorization', `Bearer ${init.token}`)
      return fetch(`${rest}${path}`, { ...init, headers })
    },
  }
}
