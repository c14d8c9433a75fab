// @pgstack/rest: a PostgREST-compatible /rest/v1. The factory receives the pool and settings from
// its host (the hub) and owns only its schema cache; it never imports the hub.
import type pg from 'pg'
import type { TokenVerifier } from '@pgstack/common'
import { errors } from './errors.ts'
import { createHandler } from './handler.ts'
import type { RestHttpRequest, RestHttpResponse } from './http-types.ts'
import { compileLiveRead, type LiveRead } from './live-read.ts'
import { loadSchemaCache, type SchemaCache } from './schema-cache.ts'

export { statusForSqlState } from './errors.ts'
export { restMigrations, type RestMigration } from './migrations.ts'
export type { RestHttpRequest, RestHttpResponse } from './http-types.ts'
export type { SchemaCache } from './schema-cache.ts'
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
  /** Reloads the schema cache; concurrent calls coalesce into at most one more load. */
  reloadSchema(): Promise<void>
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
  let current: SchemaCache | undefined
  let loading: Promise<SchemaCache> | undefined
  let again = false
  let closed = false

  const load = (): Promise<SchemaCache> => {
    if (loading) {
      again = true
      return loading
    }
    loading = (async () => {
      try {
        for (;;) {
          again = false
          current = await loadSchemaCache(options.pool, options.schemas, current?.timezones)
          if (!again || closed) return current
        }
      } finally {
        loading = undefined
      }
    })()
    return loading
  }

  const firstLoad = async (): Promise<SchemaCache> => {
    try {
      return await load()
    } catch (error) {
      log(`rest: schema cache load failed: ${(error as Error).message}`)
      throw errors.noSchemaCache()
    }
  }
  const cache = (): SchemaCache | Promise<SchemaCache> => current ?? firstLoad()

  load().catch((error: Error) => log(`rest: schema cache load failed: ${error.message}`))

  return {
    handler: createHandler({ pool: options.pool, schemas: options.schemas, verifier: options.verifier, cache, log }),
    async reloadSchema() {
      if (closed) return
      try {
        await load()
      } catch (error) {
        log(`rest: schema cache reload failed: ${(error as Error).message}`)
      }
    },
    async compileLiveRead(relation, schema, query) {
      return compileLiveRead(await cache(), options.schemas, relation, schema, query)
    },
    async close() {
      closed = true
      await loading?.catch(() => {})
    },
  }
}
