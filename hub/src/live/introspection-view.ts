// What the introspection shows of an actor and a feed (docs/admin-api.md, "Live actors"): plain
// summaries built from the records and from the feed's public accessors, and the one-second
// points of the hub's series. Pure functions; nothing here holds state or touches a socket.
import { postgrestBody, type PostgrestErrorBody } from '@pgstack/common'
import type { Feed } from './feed.ts'
import type { SubscriptionStateName } from './subscription-machine.ts'

export interface Transition {
  at: number
  event: string
  from: string | null
  to: string
}

/** A query-builder subscription as the client sent it (several may share one feed). */
export interface RestTarget {
  relation: string
  schema: string | null
  query: string
}

/** One subscription actor as the introspection keeps it. */
export interface ActorRecord {
  id: string
  socket: number
  subscription: string
  rest: RestTarget | null
  state: SubscriptionStateName
  stateSince: number
  feed: Feed | null
  role: string
  claims: Record<string, unknown>
  createdAt: number
  transitions: number
  /** Bumped on every change the summary shows. */
  version: number
  timeline: Transition[]
  closedAt: number | null
}

export interface ActorSummary {
  id: string
  socket: number
  subscription: string
  rest: RestTarget | null
  state: SubscriptionStateName
  state_since: number
  feed: number | null
  role: string
  claims: Record<string, unknown>
  created_at: number
  transitions: number
}

export interface FeedSummary {
  id: number
  query: string
  /** A query-builder feed's SQL as rest compiled it; null for a named live query. */
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
  last_error: PostgrestErrorBody | null
}

export interface Point {
  at: number
  deltas: number
  deliveries: number
  latency_ms: { p50: number; p99: number; max: number } | null
}

export function actorSummary(record: ActorRecord): ActorSummary {
  return {
    id: record.id,
    socket: record.socket,
    subscription: record.subscription,
    rest: record.rest,
    state: record.state,
    state_since: record.stateSince,
    feed: record.feed && record.feed.feedId > 0 ? record.feed.feedId : null,
    role: record.role,
    claims: record.claims,
    created_at: record.createdAt,
    transitions: record.transitions,
  }
}

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits

export function feedSummary(feed: Feed, deltasPerSecond: number): FeedSummary {
  const error = feed.lastError
  return {
    id: feed.feedId,
    query: feed.spec.query,
    sql: feed.spec.sql?.sql ?? null,
    params: feed.spec.params,
    role: feed.spec.role,
    claims: feed.spec.claims,
    state: feed.state,
    subscribers: feed.holders,
    rows: feed.size,
    key: feed.key,
    deltas_per_second: round(deltasPerSecond, 2),
    deltas_total: feed.deltasTotal,
    deliveries_total: feed.deliveriesTotal,
    last_seq: feed.seq,
    lag_ms: round(feed.lastLagMs),
    last_error: error ? postgrestBody(error) : null,
  }
}

/** The percentile of sorted samples (nearest rank). */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

export function point(at: number, deltas: number, deliveries: number, latencies: number[]): Point {
  if (latencies.length === 0) return { at, deltas, deliveries, latency_ms: null }
  const sorted = Float64Array.from(latencies).sort()
  const values = Array.from(sorted)
  return {
    at,
    deltas,
    deliveries,
    latency_ms: { p50: round(percentile(values, 50)), p99: round(percentile(values, 99)), max: round(values[values.length - 1]!) },
  }
}
