// @pgstack/rest: a PostgREST-compatible /rest/v1. The factory receives the pool and settings from
// its host (the hub) and owns only its schema cache; it never imports the hub.
import type pg from 'pg'
import type { TokenVerifier } from '@pgstack/common'
import { errors } from './errors.ts'
import { createHandler } from './handler.ts'
import type { RestHttpRequest, RestHttpResponse } from './http-types.ts'
import { compileLiveRead, type LiveRead } from './live-read.ts'
import type { SchemaCache } from './schema-cache.ts'
import { SchemaStore, type SchemaStoreStats } from './schema-store.ts'

export { statusForSqlState } from './errors.ts'
export { restMigrations, type RestMigration } from './migrations.ts'
export type { RestHttpRequest, RestHttpResponse } from './http-types.ts'
export type { SchemaCache } from './schema-cache.ts'
export type { SchemaStoreStats } from './schema-store.ts'
export type { LiveRead } from './live-read.ts'

export interface RestOptions {
  pool: pg.Pool
  /** Exposed schemas; the first is the default profile. */
  schemas: string[]
  /** The hub's one token verifier (its anonymous role is the role of requests without a token). */
  verifier: TokenVerifier
  log?: (line: string) => void
}

export interface Rest {
  handler(request: RestHttpRequest): Promise<RestHttpResponse>
  /** Reloads the whole schema cache; concurrent calls coalesce into at most one more load. */
  reloadSchema(): Promise<void>
  /**
   * A `NOTIFY pgrst` payload: PostgREST's ('' or 'reload schema') reload everything, our DDL
   * trigger's ('pgstack {…}') only the relations it names. Requests never wait for it.
   */
  schemaChanged(payload: string): Promise<void>
  /** How many full and incremental loads ran, and how long the last one took. */
  schemaStats(): SchemaStoreStats
  /**
   * A query-builder live query (relation, Accept-Profile schema or null, the /rest/v1 query
   * string) as a plain row-returning SELECT, planned exactly as GET /rest/v1 plans it.
   * Rejects with an ApiError.
   */
  compileLiveRead(relation: string, schema: string | null, query: string): Promise<LiveRead>
  close(): Promise<void>
}

export function createRest(options: RestOptions): Rest {
  const log = options.log ?? (() => {})
  const store = new SchemaStore(options.pool, options.schemas)
  const failed = (what: string) => (error: Error) => log(`rest: schema cache ${what} failed: ${error.message}`)

  const firstLoad = async (): Promise<SchemaCache> => {
    try {
      return await store.reload()
    } catch (error) {
      failed('load')(error as Error)
      throw errors.noSchemaCache()
    }
  }
  const cache = (): SchemaCache | Promise<SchemaCache> => store.cache ?? firstLoad()

  store.reload().catch(failed('load'))

  return {
    handler: createHandler({ pool: options.pool, schemas: options.schemas, verifier: options.verifier, cache, log }),
    async reloadSchema() {
      await store.reload().catch(failed('reload'))
    },
    async schemaChanged(payload) {
      await store.notice(payload).catch(failed('reload'))
    },
    schemaStats: () => ({ ...store.stats }),
    async compileLiveRead(relation, schema, query) {
      return compileLiveRead(await cache(), options.schemas, relation, schema, query)
    },
    async close() {
      await store.close()
    },
  }
}
