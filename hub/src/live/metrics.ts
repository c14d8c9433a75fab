// GET /metrics: the live actors' figures in Prometheus text format, for the service_role only
// (the figures name queries and roles).
import { TokenRejected, rejectedAsPostgrest, requestToken, type TokenVerifier } from '@pgstack/common'
import { errorResponse, type HttpHandler } from '../http.ts'
import { liveError } from './errors.ts'
import type { SubscriptionStateName } from './subscription-machine.ts'

export interface FeedStats {
  id: number
  query: string
  params: unknown[]
  role: string
  state: string
  subscribers: number
  rows: number
  deltas_per_second: number
  deltas_total: number
  deliveries_total: number
  last_seq: number
  lag_ms: number
}

export interface LiveStats {
  sockets: number
  subscriptions: Record<SubscriptionStateName, number>
  feeds: FeedStats[]
  lagEvents: number
  listening: boolean
}

const label = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')

export function renderMetrics(s: LiveStats): string {
  const lines: string[] = []
  const metric = (name: string, type: string, help: string, samples: Array<[string, number]>) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
    for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`)
  }
  metric('pgstack_live_sockets', 'gauge', 'Open live WebSockets.', [['', s.sockets]])
  metric('pgstack_live_listen_connected', 'gauge', '1 while the LISTEN connection is up.', [['', s.listening ? 1 : 0]])
  metric('pgstack_live_subscriptions', 'gauge', 'Subscription actors by state.',
    Object.entries(s.subscriptions).filter(([state]) => state !== 'closed').map(([state, n]) => [`{state="${state}"}`, n]))
  metric('pgstack_live_feeds', 'gauge', 'Shared feeds (one pg_reactive subscription each).', [['', s.feeds.length]])
  metric('pgstack_live_backpressure_events_total', 'counter', 'Times a socket went lagging.', [['', s.lagEvents]])
  const per = (f: FeedStats) => `{feed="${f.id}",query="${label(f.query)}",role="${label(f.role)}"}`
  metric('pgstack_live_feed_subscribers', 'gauge', 'Subscriptions holding the feed.', s.feeds.map((f) => [per(f), f.subscribers]))
  metric('pgstack_live_feed_deltas_total', 'counter', 'Deltas published by the feed.', s.feeds.map((f) => [per(f), f.deltas_total]))
  metric('pgstack_live_feed_deliveries_total', 'counter', 'Delta messages handed to sockets.', s.feeds.map((f) => [per(f), f.deliveries_total]))
  metric('pgstack_live_feed_deltas_per_second', 'gauge', 'Recent delta rate.', s.feeds.map((f) => [per(f), f.deltas_per_second]))
  metric('pgstack_live_feed_last_seq', 'gauge', 'Sequence of the last published delta.', s.feeds.map((f) => [per(f), f.last_seq]))
  metric('pgstack_live_feed_lag_seconds', 'gauge', 'Notification to publish time of the last delta.', s.feeds.map((f) => [per(f), f.lag_ms / 1000]))
  metric('pgstack_live_feed_rows', 'gauge', 'Rows in the feed result.', s.feeds.map((f) => [per(f), f.rows]))
  return `${lines.join('\n')}\n`
}

export function metricsHandler(verifier: TokenVerifier, stats: () => LiveStats): HttpHandler {
  return async (request) => {
    if (requestToken(request.headers) === undefined) {
      return errorResponse(liveError('unauthenticated', 'metrics need the service key', null, 'Send it as Authorization: Bearer <service key>.'))
    }
    let role: string
    try {
      ;({ role } = await verifier.authenticate(request.headers))
    } catch (error) {
      if (error instanceof TokenRejected) return errorResponse(rejectedAsPostgrest(error))
      throw error
    }
    if (role !== 'service_role') return errorResponse(liveError('forbidden', 'metrics need the service_role'))
    return { status: 200, headers: { 'content-type': 'text/plain; version=0.0.4' }, body: renderMetrics(stats()) }
  }
}
