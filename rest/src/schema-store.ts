// The owner of the schema cache: holds the current one, applies DDL notifications to it and
// swaps in the result. A reload never blocks a request: requests keep the cache they started
// with (an immutable value), loads run one at a time on a pooled connection, and notifications
// that arrive during a load are merged into the next one.
//
// Notifications on `pgrst`: '' or 'reload schema' (PostgREST's) reload everything; our DDL
// trigger sends 'pgstack {"r":[oids],"d":["schema.name"],"f":1}' naming the relations changed,
// the relations dropped and whether functions changed, and only those are read again.
import type pg from 'pg'
import { applySchemaChanges, loadSchemaCache, type SchemaCache } from './schema-cache.ts'

export interface SchemaChanges {
  /** Relations (or indexes) created or altered, by oid. */
  relations: Set<number>
  /** Relations dropped, as tableKey(schema, name). */
  dropped: Set<string>
  /** Functions created, altered or dropped. */
  functions: boolean
}

/** Past this many changed relations, one full load is cheaper than the partial queries. */
const PARTIAL_LIMIT = 1000
const PREFIX = 'pgstack '

/** The changes a notification payload names; 'full' for PostgREST's payloads and anything unknown. */
export function parseSchemaNotice(payload: string): SchemaChanges | 'full' {
  if (!payload.startsWith(PREFIX)) return 'full'
  try {
    const body = JSON.parse(payload.slice(PREFIX.length)) as { r?: unknown; d?: unknown; f?: unknown }
    const relations = Array.isArray(body.r) ? body.r : []
    const dropped = Array.isArray(body.d) ? body.d : []
    if (!relations.every((o) => Number.isInteger(o)) || !dropped.every((d) => Array.isArray(d) && d.length === 2 && d.every((x) => typeof x === 'string'))) return 'full'
    return {
      relations: new Set(relations as number[]),
      dropped: new Set((dropped as [string, string][]).map(([s, n]) => `${s}\u0000${n}`)),
      functions: body.f === 1 || body.f === true,
    }
  } catch {
    return 'full'
  }
}

function merge(a: SchemaChanges | 'full' | undefined, b: SchemaChanges | 'full'): SchemaChanges | 'full' {
  if (a === undefined) return b
  if (a === 'full' || b === 'full') return 'full'
  const merged = { relations: new Set([...a.relations, ...b.relations]), dropped: new Set([...a.dropped, ...b.dropped]), functions: a.functions || b.functions }
  return merged.relations.size + merged.dropped.size > PARTIAL_LIMIT ? 'full' : merged
}

export interface SchemaStoreStats {
  fullLoads: number
  partialLoads: number
  /** Duration of the last load, ms. */
  lastLoadMs: number
}

export class SchemaStore {
  private current: SchemaCache | undefined
  private pending: SchemaChanges | 'full' | undefined
  private running: Promise<SchemaCache> | undefined
  private closed = false
  private needsFull = false
  readonly stats: SchemaStoreStats = { fullLoads: 0, partialLoads: 0, lastLoadMs: 0 }

  constructor(
    private readonly pool: pg.Pool,
    private readonly schemas: string[],
  ) {}

  /** The loaded cache, if any (requests use it as it is). */
  get cache(): SchemaCache | undefined {
    return this.current
  }

  /** Reloads everything; resolves with the cache that includes every change asked so far. */
  reload(): Promise<SchemaCache> {
    return this.ask('full')
  }

  /** A `pgrst` notification: reload what it names (everything when it names nothing we know). */
  notice(payload: string): Promise<SchemaCache> {
    return this.ask(parseSchemaNotice(payload))
  }

  close(): Promise<unknown> {
    this.closed = true
    return this.running?.catch(() => {}) ?? Promise.resolve()
  }

  private ask(changes: SchemaChanges | 'full'): Promise<SchemaCache> {
    this.pending = merge(this.pending, changes)
    return this.start()
  }

  private start(): Promise<SchemaCache> {
    this.running ??= this.drain().finally(() => {
      this.running = undefined
      // Changes asked between the drain's last look and this moment would wait for the next
      // notification: take them now.
      if (this.pending !== undefined && !this.closed) this.start().catch(() => {})
    })
    return this.running
  }

  /** Applies pending changes until none are left; a failed load keeps the previous cache. */
  private async drain(): Promise<SchemaCache> {
    for (;;) {
      const changes = this.pending
      if (changes === undefined || this.closed) {
        if (this.current) return this.current
        throw new Error('the schema cache is not loaded')
      }
      this.pending = undefined
      const started = performance.now()
      const previous = this.current
      try {
        if (changes === 'full' || !previous || this.needsFull) {
          this.current = await loadSchemaCache(this.pool, this.schemas, previous?.timezones)
          this.needsFull = false
          this.stats.fullLoads++
        } else {
          this.current = await applySchemaChanges(this.pool, previous, changes)
          this.stats.partialLoads++
        }
        this.stats.lastLoadMs = performance.now() - started
      } catch (error) {
        // What changed is no longer certain: the next load reads everything.
        this.needsFull = true
        throw error
      }
    }
  }
}
