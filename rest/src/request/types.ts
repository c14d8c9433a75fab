// What the request stage hands on: a plain, typed description of the HTTP request, before any
// knowledge of the database. Names are still unchecked; the plan stage checks them.
export const OPERATORS = [
  'eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch', 'in', 'is', 'isdistinct',
  'fts', 'plfts', 'phfts', 'wfts', 'cs', 'cd', 'ov', 'sl', 'sr', 'nxr', 'nxl', 'adj',
] as const
export type Operator = (typeof OPERATORS)[number]

export interface JsonStep {
  arrow: '->' | '->>'
  key: string
}

/** A column reference with an optional JSON path: `data->a->>b`. */
export interface Field {
  name: string
  path: JsonStep[]
}

export interface Condition {
  kind: 'condition'
  /** In a logic tree, the embed path before the column: `or=(books.year.gt.2000)` → ['books']. */
  embedPath?: string[]
  field: Field
  negated: boolean
  operator: Operator
  quantifier?: 'any' | 'all'
  /** fts language. */
  language?: string
  /** A list for `in`, else the raw value. */
  value: string | string[]
}

export interface Logic {
  kind: 'logic'
  operator: 'and' | 'or'
  negated: boolean
  children: FilterNode[]
}

export type FilterNode = Condition | Logic

export interface OrderTerm {
  /** Set when ordering by a column of an embedded to-one resource: `order=parent(name)`. */
  relation?: string
  field: Field
  direction?: 'asc' | 'desc'
  nulls?: 'first' | 'last'
}

export type AggregateFn = 'count' | 'sum' | 'avg' | 'min' | 'max'

export type SelectItem =
  | { kind: 'star' }
  | {
      kind: 'column'
      /** The column; `count()` has none (name ''). */
      field: Field
      alias?: string
      /** A cast of the column (applied before an aggregate). */
      cast?: string
      /** `col.sum()`, `count()`, with an optional cast of the result: `col.sum()::text`. */
      aggregate?: { fn: AggregateFn; cast?: string }
    }
  | {
      kind: 'embed'
      name: string
      alias?: string
      hint?: string
      join?: 'inner' | 'left'
      spread: boolean
      select: SelectItem[]
    }

/** Filters, order and paging for one node of the select tree; '' is the root. */
export interface NodeParams {
  filters: FilterNode[]
  order?: OrderTerm[]
  limit?: number
  offset?: number
}

export type Resource =
  | { kind: 'root' }
  | { kind: 'relation'; name: string }
  | { kind: 'routine'; name: string }

export type Method = 'GET' | 'HEAD' | 'POST' | 'PATCH' | 'PUT' | 'DELETE' | 'OPTIONS'

export interface Preferences {
  return?: 'minimal' | 'headers-only' | 'representation'
  count?: 'exact' | 'planned' | 'estimated'
  resolution?: 'merge-duplicates' | 'ignore-duplicates'
  missing?: 'default' | 'null'
  tx?: 'commit' | 'rollback'
  handling?: 'strict' | 'lenient'
  maxAffected?: number
  /** A time zone name, checked later against the database's list. */
  timezone?: string
  /** PostgREST's deprecated `params=single-object`: the whole body is the one json argument. */
  params?: 'single-object'
  /** Preferences not understood, for handling=strict. */
  invalid: string[]
}

export type MediaType = 'json' | 'object' | 'csv' | 'openapi'

export interface ApiRequest {
  method: Method
  resource: Resource
  schema: string
  /** True when the client chose the schema with a profile header (or several are exposed). */
  negotiatedSchema: boolean
  select: SelectItem[]
  /** Keyed by the embed path joined with '.', '' for the root. */
  nodes: Map<string, NodeParams>
  /** Arguments of a GET/HEAD call: query pairs whose value is no operator expression. */
  rawParams: [string, string][]
  columns?: string[]
  onConflict?: string[]
  preferences: Preferences
  accept: MediaType
  stripNulls: boolean
  /** Range header, already intersected later with limit/offset. */
  range?: { from: number; to?: number }
  contentType: string
  body: Buffer
  path: string
}
