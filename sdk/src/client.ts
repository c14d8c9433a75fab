// createClient: composes auth (auth-js's GoTrue client), REST (postgrest-js builders that can go
// live) and the live connection over one hub URL, and keeps the user's token flowing into REST
// requests and the live socket. It owns no state of its own beyond that wiring.
import { AuthClient, type GoTrueClientOptions } from '@supabase/auth-js'
import { PostgrestClient } from '@supabase/postgrest-js'
import { fetchWithAuth } from './auth-fetch.ts'
import { sendBatch, type BatchItem, type BatchResponse } from './batch.ts'
import type {
  DefaultSchemaName,
  GenericSchema,
  SchemaOf,
  ServerOptionsOf,
} from './database-types.ts'
import { createLiveClient, type LiveClient, type LiveOptions } from './live/live-client.ts'
import type { LiveQuery } from './live/live-query.ts'
import type { LiveParams } from './live/types.ts'
import { LiveQueryBuilder } from './query-builder.ts'

type Fetch = typeof fetch

/** auth-js's GoTrue client: sign-up/in/out, sessions, `admin` (with the service key). */
export type PgstackAuth = InstanceType<typeof AuthClient>

export interface PgstackClientOptions<SchemaName extends string = string> {
  db?: { schema?: SchemaName }
  /** auth-js options: `storage` (default: localStorage in browsers, memory elsewhere),
   * `persistSession`, `autoRefreshToken` (both default true), `storageKey`, `flowType`, … */
  auth?: Omit<GoTrueClientOptions, 'url' | 'headers' | 'fetch'>
  global?: { headers?: Record<string, string>; fetch?: Fetch }
  /** `url` overrides the hub URL for the live socket; `transport` plugs in the wire protocol. */
  live?: LiveOptions & { url?: string }
}

export interface PgstackClient<
  Database = any, // eslint-disable-line @typescript-eslint/no-explicit-any
  SchemaName extends string & keyof Omit<Database, '__InternalSupabase'> =
    DefaultSchemaName<Database>,
  Schema extends GenericSchema = SchemaOf<Database, SchemaName>,
> {
  auth: PgstackAuth
  from<TableName extends string & keyof Schema['Tables']>(
    relation: TableName,
  ): LiveQueryBuilder<ServerOptionsOf<Database>, Schema, Schema['Tables'][TableName], TableName>
  from<ViewName extends string & keyof Schema['Views']>(
    relation: ViewName,
  ): LiveQueryBuilder<ServerOptionsOf<Database>, Schema, Schema['Views'][ViewName], ViewName>
  rpc: PostgrestClient<Database, ServerOptionsOf<Database>, SchemaName, Schema>['rpc']
  /**
   * Several queries in one request and one transaction, all or nothing: builders (not awaited)
   * or operations, `{ name, query }` to refer to a result later with `ref('name.path')`.
   */
  batch(items: BatchItem[], options?: { rollback?: boolean }): Promise<BatchResponse>
  /** Subscribes to a named live query. */
  live<Row = Record<string, unknown>>(
    name: string,
    options?: { params?: LiveParams },
  ): LiveQuery<Row>
  /** Stops token refresh and closes the live socket. */
  close(): Promise<void>
}

export function createClient<
  Database = any, // eslint-disable-line @typescript-eslint/no-explicit-any
  SchemaName extends string & keyof Omit<Database, '__InternalSupabase'> =
    DefaultSchemaName<Database>,
  Schema extends GenericSchema = SchemaOf<Database, SchemaName>,
>(
  url: string,
  anonKey: string,
  options: PgstackClientOptions<SchemaName> = {},
): PgstackClient<Database, SchemaName, Schema> {
  if (!/^https?:\/\//i.test(url ?? '')) throw new Error('pgStack URL must be an http(s) URL.')
  if (!anonKey) throw new Error('pgStack anon key is required.')
  const base = url.replace(/\/+$/, '')
  const headers = { ...options.global?.headers }
  const schema = options.db?.schema

  const auth = new AuthClient({
    url: `${base}/auth/v1`,
    headers: { Authorization: `Bearer ${anonKey}`, apikey: anonKey, ...headers },
    storageKey: `pgstack-${new URL(base).hostname.split('.')[0]}-auth-token`,
    ...options.auth,
    ...(options.global?.fetch ? { fetch: options.global.fetch } : {}),
  })
  const getToken = async () => (await auth.getSession()).data.session?.access_token ?? anonKey
  const fetch = fetchWithAuth(anonKey, getToken, options.global?.fetch)

  const live: LiveClient = createLiveClient({
    url: options.live?.url ?? base,
    getToken,
    ...options.live,
  })
  // Refreshed and new sessions reach the live socket without reconnecting; sign-out drops to anon.
  const { data: authListener } = auth.onAuthStateChange((event, session) => {
    if (event === 'SIGNED_OUT') live.setToken(anonKey)
    else if (session) live.setToken(session.access_token)
  })

  const rest = new PostgrestClient<Database, ServerOptionsOf<Database>, SchemaName, Schema>(
    `${base}/rest/v1`,
    {
      headers,
      ...(schema ? { schema } : {}),
      fetch,
    },
  )
  const from = (relation: string) => {
    if (!relation) throw new Error('from() needs a table or view name.')
    return new LiveQueryBuilder(
      new URL(`${base}/rest/v1/${relation}`),
      { headers, ...(schema ? { schema } : {}), fetch },
      live,
      relation,
    )
  }

  return {
    auth,
    from: from as unknown as PgstackClient<Database, SchemaName, Schema>['from'],
    rpc: rest.rpc.bind(rest),
    batch: (items, batchOptions) => sendBatch(`${base}/rest/v1`, fetch, items, batchOptions),
    live: (name, liveOptions) => live.live(name, liveOptions),
    async close() {
      authListener.subscription.unsubscribe()
      await auth.stopAutoRefresh()
      live.close()
    },
  }
}
