// postgrest-js's builders with one addition: `.live()` on a select, which turns the query the
// builder has built into a live query over the same planner and RLS. Everything else (filters,
// modifiers, the typed select parser, `{ data, error, count, status }`) is postgrest-js's own.
import {
  PostgrestFilterBuilder,
  PostgrestQueryBuilder,
  type UnstableGetResult,
} from '@supabase/postgrest-js'
import type {
  ClientServerOptions,
  GenericSchema,
  GenericTable,
  GenericView,
} from './database-types.ts'
import type { LiveClient } from './live/live-client.ts'
import type { LiveQuery } from './live/live-query.ts'

type Fetch = typeof fetch
type Count = 'exact' | 'planned' | 'estimated'

/** A filter builder from `select()` that can also go live. */
export class LiveFilterBuilder<
  ClientOptions extends ClientServerOptions,
  Schema extends GenericSchema,
  Row extends Record<string, unknown>,
  Result,
  RelationName = unknown,
  Relationships = unknown,
  Method = unknown,
> extends PostgrestFilterBuilder<
  ClientOptions,
  Schema,
  Row,
  Result,
  RelationName,
  Relationships,
  Method
> {
  readonly #live: LiveClient
  readonly #relation: string

  constructor(
    builder: ConstructorParameters<typeof PostgrestFilterBuilder>[0],
    live: LiveClient,
    relation: string,
  ) {
    super(builder)
    this.#live = live
    this.#relation = relation
  }

  /**
   * Subscribes to this query: its rows now, then after every change that affects them. Only
   * `select` and filters, `order`, `limit` and `range` take part; `single`/`csv` do not apply.
   */
  live(): LiveQuery<Result extends Array<infer One> ? One : Result> {
    return this.#live.open({
      kind: 'query',
      relation: this.#relation,
      ...(this.schema ? { schema: this.schema } : {}),
      query: this.url.searchParams.toString(),
    })
  }
}

export class LiveQueryBuilder<
  ClientOptions extends ClientServerOptions,
  Schema extends GenericSchema,
  Relation extends GenericTable | GenericView,
  RelationName = unknown,
  Relationships = Relation extends { Relationships: infer R } ? R : unknown,
> extends PostgrestQueryBuilder<ClientOptions, Schema, Relation, RelationName, Relationships> {
  readonly #live: LiveClient
  readonly #relation: string

  constructor(
    url: URL,
    options: { headers?: HeadersInit; schema?: string; fetch?: Fetch },
    live: LiveClient,
    relation: string,
  ) {
    super(url, options)
    this.#live = live
    this.#relation = relation
  }

  override select<
    Query extends string = '*',
    ResultOne = UnstableGetResult<
      Schema,
      Relation['Row'],
      RelationName,
      Relationships,
      Query,
      ClientOptions
    >,
  >(
    columns?: Query,
    options?: { head?: boolean; count?: Count },
  ): LiveFilterBuilder<
    ClientOptions,
    Schema,
    Relation['Row'],
    ResultOne[],
    RelationName,
    Relationships,
    'GET'
  > {
    // The base builder has computed method, URL and headers; copy its state into one that can go live.
    const base = super.select<Query, ResultOne>(columns, options) as unknown as Record<
      string,
      unknown
    >
    const state = { ...base, retry: base.retryEnabled } as unknown as ConstructorParameters<
      typeof PostgrestFilterBuilder
    >[0]
    return new LiveFilterBuilder(state, this.#live, this.#relation)
  }
}
