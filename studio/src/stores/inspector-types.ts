// The introspection stream's objects, as docs/admin-api.md ("Live actors") defines them.
export interface Actor {
  id: string
  socket: number
  subscription: string
  /** A query-builder subscription as the client sent it. */
  rest: { relation: string; schema: string | null; query: string } | null
  state: string
  state_since: number
  feed: number | null
  role: string
  claims: Record<string, unknown>
  created_at: number
  transitions: number
}

export interface LiveErrorBody {
  code: string
  message: string
  details: string | null
  hint: string | null
}

export interface Feed {
  id: number
  query: string
  /** A query-builder feed's compiled SQL. */
  sql: string | null
  params: unknown[]
  role: string
  claims: Record<string, unknown>
  state: string
  subscribers: number
  rows: number
  key: string[] | null
  deltas_per_second: number
  deltas_total: number
  deliveries_total: number
  last_seq: number
  lag_ms: number
  last_error: LiveErrorBody | null
}

export interface Point {
  at: number
  deltas: number
  deliveries: number
  latency_ms: { p50: number; p99: number; max: number } | null
}

export interface Transition {
  at: number
  event: string
  from: string | null
  to: string
}

export interface RowEntry {
  key: string
  row: unknown
}

export interface ActorDetail {
  actor: Actor
  feed: Feed | null
  timeline: Transition[]
  deltas: Array<{ seq: number; at: number; ops: Array<{ op: string; key: string; index?: number; row?: unknown }> }>
  rows: RowEntry[] | null
  rows_seq: number
  rows_omitted: string | null
}
