// The live figures /metrics and the introspection read: sockets, subscriptions by state, feeds
// with their delta rates. It reads the sessions and the registry and owns only its rate samples
// and the backpressure events of sockets already closed; mounting is live-server.ts's.
import type { Feed } from './feed.ts'
import type { FeedRegistry } from './feed-registry.ts'
import type { LiveStats } from './metrics.ts'
import type { LiveSession } from './session.ts'
import type { SubscriptionStateName } from './subscription-machine.ts'

export class LiveStatsCollector {
  private readonly rates = new Map<Feed, { total: number; at: number; rate: number }>()
  private lagEventsClosed = 0

  constructor(
    private readonly sessions: ReadonlySet<LiveSession>,
    private readonly registry: FeedRegistry,
    private readonly listening: () => boolean,
  ) {}

  subscriptionCounts(): Record<SubscriptionStateName, number> {
    const counts: Record<SubscriptionStateName, number> = { authorizing: 0, resuming: 0, snapshotting: 0, live: 0, lagging: 0, resyncing: 0, closed: 0 }
    for (const session of this.sessions) session.countStates(counts)
    return counts
  }

  /** A socket closed: its backpressure events stay counted. */
  socketClosed(session: LiveSession): void {
    this.lagEventsClosed += session.lagEvents
  }

  stats(): LiveStats {
    let lagEvents = this.lagEventsClosed
    for (const session of this.sessions) lagEvents += session.lagEvents
    const now = performance.now()
    const current = this.registry.feeds()
    const feeds = current.map((feed) => {
      const previous = this.rates.get(feed)
      let rate = previous?.rate ?? 0
      if (!previous || now - previous.at >= 900) {
        rate = previous ? ((feed.deltasTotal - previous.total) * 1000) / (now - previous.at) : 0
        this.rates.set(feed, { total: feed.deltasTotal, at: now, rate })
      }
      return {
        id: feed.feedId,
        query: feed.spec.query,
        params: feed.spec.params,
        role: feed.spec.role,
        state: feed.state,
        subscribers: feed.holders,
        rows: feed.size,
        deltas_per_second: Math.round(rate * 100) / 100,
        deltas_total: feed.deltasTotal,
        deliveries_total: feed.deliveriesTotal,
        last_seq: feed.seq,
        lag_ms: Math.round(feed.lastLagMs * 1000) / 1000,
      }
    })
    const live = new Set(current)
    for (const feed of this.rates.keys()) if (!live.has(feed)) this.rates.delete(feed)
    return { sockets: this.sessions.size, subscriptions: this.subscriptionCounts(), feeds, lagEvents, listening: this.listening() }
  }
}
