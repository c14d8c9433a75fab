// What the plan stage hands on: every name checked against the schema cache, every relationship
// resolved. The SQL stage turns this into one statement without looking anything up.
import type { AggregateFn, JsonStep, MediaType, Operator } from '../request/types.ts'
import type { ForeignKey, Routine, Table } from '../schema-cache.ts'

export type Relationship =
  | {
      kind: 'many-to-one' | 'one-to-many' | 'one-to-one'
      constraint: string
      source: Table
      target: Table
      /** [source column, target column] pairs. */
      pairs: [string, string][]
    }
  | {
      kind: 'many-to-many'
      source: Table
      target: Table
      junction: Table
      /** junction → source */
      sourceFk: ForeignKey
      /** junction → target */
      targetFk: ForeignKey
    }

/** A computed field: a function called with the whole row. */
export interface ComputedRef {
  schema: string
  name: string
}

export type PlanFilter =
  | {
      kind: 'condition'
      column: string
      computed?: ComputedRef
      toJson?: boolean
      path: JsonStep[]
      negated: boolean
      operator: Operator
      quantifier?: 'any' | 'all'
      language?: string
      value: string | string[]
    }
  | { kind: 'logic'; operator: 'and' | 'or'; negated: boolean; children: PlanFilter[] }
  | { kind: 'embed-null'; embed: number; isNull: boolean }
  /**
   * A condition on an embedded resource's column, in a logic tree: true when some row of the
   * embed (under its own filters) meets it; `through` descends into nested embeds.
   */
  | { kind: 'embed-condition'; embed: number; through: number[]; condition: PlanFilter }

export type PlanSelect =
  | {
      kind: 'column'
      column: string
      computed?: ComputedRef
      toJson?: boolean
      path: JsonStep[]
      cast?: string
      as: string
      /** An aggregate over the (cast) column; the other columns of the node group the rows. */
      aggregate?: { fn: AggregateFn; cast?: string }
    }
  /** `count()`: the rows of each group. */
  | { kind: 'count'; as: string; cast?: string }
  | { kind: 'embed'; embed: number }

export interface PlanOrder {
  /**
   * Index of an embed whose column orders the rows: a to-one embed's value, or for a to-many
   * embed its smallest value (ascending) or largest (descending).
   */
  embed?: number
  /** Set for a to-many embed: how its rows' values become one. */
  embedAggregate?: 'min' | 'max'
  column: string
  computed?: ComputedRef
  toJson?: boolean
  path: JsonStep[]
  direction?: 'asc' | 'desc'
  nulls?: 'first' | 'last'
}

export interface ReadNode {
  table: Table
  /** Some select item aggregates: the other items group the rows. */
  aggregated?: boolean
  select: PlanSelect[]
  filters: PlanFilter[]
  order: PlanOrder[]
  limit?: number
  offset?: number
  embeds: EmbedPlan[]
}

export interface EmbedPlan {
  as: string
  relationship: Relationship
  node: ReadNode
  inner: boolean
  spread: boolean
  toOne: boolean
}

export interface Shape {
  accept: MediaType
  stripNulls: boolean
  count?: 'exact' | 'planned' | 'estimated'
  readOnly: boolean
  rollback: boolean
  /** Preference-Applied entries, in PostgREST's order. */
  applied: string[]
  /** `Prefer: timezone=…`, a name the database knows: the transaction's TimeZone. */
  timezone?: string
}

export interface ReadPlan extends Shape {
  kind: 'read'
  node: ReadNode
  /** Lower bound of the requested range, for Content-Range and 416. */
  offset: number
  head: boolean
}

export interface MutatePlan extends Shape {
  kind: 'insert' | 'update' | 'delete' | 'upsert-put'
  table: Table
  /** Columns written, in body order. */
  columns: string[]
  /** JSON text of the body (an array for inserts, an object for updates). */
  body: string
  filters: PlanFilter[]
  order: PlanOrder[]
  limit?: number
  offset?: number
  conflict?: { columns: string[]; action: 'merge' | 'ignore' }
  /** PUT: the primary key the URL names ([column, value] pairs); body rows with another key are not written. */
  putKey?: [string, string][]
  missingDefault: boolean
  returning: 'minimal' | 'headers-only' | 'representation'
  /** Read over the mutated rows, for `return=representation`. */
  node: ReadNode
  maxAffected?: number
}

export interface CallPlan extends Shape {
  kind: 'call'
  routine: Routine
  /** JSON object of named arguments, or the whole body for a single unnamed json parameter. */
  args: string
  singleUnnamed: boolean
  /** Present when the function returns rows: the read over them (select, filters, embeds). */
  node?: ReadNode
  offset: number
  limit?: number
  head: boolean
  /** `handling=strict, max-affected=N`: more rows than N returned is PGRST124, rolled back. */
  maxAffected?: number
}

export type Plan = ReadPlan | MutatePlan | CallPlan
