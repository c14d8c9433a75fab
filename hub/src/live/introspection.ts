// The live introspection (docs/admin-api.md, "Live actors"): a record per subscription actor fed
// by xstate's inspection events (state, feed, a bounded timeline), per-second points of the
// whole hub (deltas, deliveries, latency), and the stream to service-role sockets — a full
// message when one starts, then one diff a second, and the watched actor's detail as it changes.
// It reads feeds only through their public accessors and owns nothing but its records and timer.
import type { InspectionEvent } from 'xstate'
import type { Feed } from './feed.ts'
import { actorSummary, feedSummary, point, type ActorRecord, type Point, type RestTarget, type Transition } from './introspection-view.ts'
import { stateName, type SubscriptionContext, type SubscriptionStateName } from './subscription-machine.ts'

export const INTROSPECTION_TOPIC = 'introspection'
const TIMELINE = 32
const SERIES_POINTS = 600
const RATE_WINDOW = 10
const CLOSED_KEPT_MS = 60_000
const MAX_LATENCY_SAMPLES = 5_000
const RECENT_DELTAS = 20
const MAX_ROWS_JSON = 2 * 1024 * 1024

/** What the introspection may do with a socket (the live session implements it). */
export interface IntrospectionClient {
  send(message: string): void
  subscribeTopic(topic: string): void
  unsubscribeTopic(topic: string): void
}

export interface IntrospectionDeps {
  feeds(): Feed[]
  publish(topic: string, message: string): void
  numSubscribers(topic: string): number
  /** Hub-wide figures that are not the actors': open sockets, LISTEN up, actors by state. */
  hub(): { sockets: number; listening: boolean; subscriptions: Record<string, number> }
  now?: () => number
}

interface FeedTrack {
  totals: number[]
  deliveries: number
  recent: Array<{ seq: number; at: number }>
}

interface Watch {
  actorId: string
  topic: string | null
}

export class Introspection {
  private readonly actors = new Map<string, ActorRecord>()
  private readonly closed = new Map<string, ActorRecord>()
  private readonly sockets = new WeakMap<object, number>()
  private readonly feedTracks = new WeakMap<Feed, FeedTrack>()
  private readonly published = { actors: new Map<string, number>(), feeds: new Map<number, string>() }
  private readonly watches = new Map<IntrospectionClient, Watch>()
  private readonly series: Point[] = []
  private nextActor = 1
  private nextSocket = 1
  private deltas = 0
  private latencies: number[] = []
  private latencySeen = 0
  private secondStart: number
  private readonly timer: NodeJS.Timeout
  private readonly now: () => number

  constructor(private readonly deps: IntrospectionDeps) {
    this.now = deps.now ?? Date.now
    this.secondStart = this.now()
    this.timer = setInterval(() => this.tick(), 1_000)
    this.timer.unref()
  }

  /** xstate's `inspect` option for one new subscription actor of `socket`. */
  inspector(socket: object, subscription: string, rest: RestTarget | null = null): (event: InspectionEvent) => void {
    let socketNumber = this.sockets.get(socket)
    if (socketNumber === undefined) this.sockets.set(socket, (socketNumber = this.nextSocket++))
    const now = this.now()
    const record: ActorRecord = {
      id: `a${this.nextActor++}`,
      socket: socketNumber,
      subscription,
      rest,
      state: 'authorizing',
      stateSince: now,
      feed: null,
      role: '',
      claims: {},
      createdAt: now,
      transitions: 0,
      version: 0,
      timeline: [],
      closedAt: null,
    }
    let rootId: string | null = null
    return (event) => {
      if (event.type !== '@xstate.snapshot') return
      rootId ??= event.rootId
      if (event.actorRef.sessionId !== rootId || record.closedAt !== null) return
      const snapshot = event.snapshot as unknown as { status: string; value: unknown; context: SubscriptionContext }
      this.observe(record, event.event.type, snapshot)
    }
  }

  private observe(record: ActorRecord, eventType: string, snapshot: { status: string; value: unknown; context: SubscriptionContext }): void {
    const now = this.now()
    const from = record.transitions === 0 ? null : record.state
    const to: SubscriptionStateName = snapshot.status === 'active' ? stateName(snapshot.value) : 'closed'
    if (record.transitions === 0) this.actors.set(record.id, record)
    record.transitions++
    record.version++
    if (to !== record.state) record.stateSince = now
    record.state = to
    const { security } = snapshot.context
    record.role = security.role
    record.claims = security.claims
    const feed = snapshot.context.feed
    const feedChanged = feed !== record.feed
    record.feed = feed ?? record.feed
    const transition: Transition = { at: now, event: eventType, from, to }
    record.timeline.push(transition)
    if (record.timeline.length > TIMELINE) record.timeline.shift()
    if (to === 'closed') {
      record.closedAt = now
      this.actors.delete(record.id)
      this.closed.set(record.id, record)
    }
    this.notifyWatchers(record, transition, feedChanged && feed !== null)
  }

  /** A delta left for the feed's sockets (FeedDeps.delivered). */
  delivered(feed: Feed, seq: number, receivedAt: number): void {
    const at = this.now()
    this.deltas++
    const latency = performance.now() - receivedAt
    // a uniform sample of the second's latencies, bounded
    this.latencySeen++
    if (this.latencies.length < MAX_LATENCY_SAMPLES) this.latencies.push(latency)
    else {
      const slot = Math.floor(Math.random() * this.latencySeen)
      if (slot < MAX_LATENCY_SAMPLES) this.latencies[slot] = latency
    }
    const track = this.track(feed)
    track.recent.push({ seq, at })
    if (track.recent.length > RECENT_DELTAS) track.recent.shift()
  }

  private track(feed: Feed): FeedTrack {
    let track = this.feedTracks.get(feed)
    if (!track) this.feedTracks.set(feed, (track = { totals: [], deliveries: feed.deliveriesTotal, recent: [] }))
    return track
  }

  private rate(feed: Feed): number {
    const totals = this.track(feed).totals
    if (totals.length < 2) return 0
    return (totals[totals.length - 1]! - totals[0]!) / (totals.length - 1)
  }

  private liveFeeds(): Feed[] {
    return this.deps.feeds().filter((feed) => feed.feedId > 0)
  }

  /** Once a second: the hub's point, the feeds' rates, and a diff for the stream's sockets. */
  tick(): void {
    const now = this.now()
    let deliveries = 0
    for (const feed of this.liveFeeds()) {
      const track = this.track(feed)
      track.totals.push(feed.deltasTotal)
      if (track.totals.length > RATE_WINDOW + 1) track.totals.shift()
      deliveries += feed.deliveriesTotal - track.deliveries
      track.deliveries = feed.deliveriesTotal
    }
    const p = point(this.secondStart, this.deltas, deliveries, this.latencies)
    this.series.push(p)
    if (this.series.length > SERIES_POINTS) this.series.shift()
    this.secondStart = now
    this.deltas = 0
    this.latencies = []
    this.latencySeen = 0
    for (const [id, record] of this.closed) if (now - record.closedAt! > CLOSED_KEPT_MS) this.closed.delete(id)
    if (this.deps.numSubscribers(INTROSPECTION_TOPIC) > 0) this.publishDiff(now, p)
  }

  private publishDiff(now: number, p: Point): void {
    const actors: string[] = []
    const removed: string[] = []
    for (const record of this.actors.values()) {
      if (this.published.actors.get(record.id) === record.version) continue
      this.published.actors.set(record.id, record.version)
      actors.push(JSON.stringify(actorSummary(record)))
    }
    for (const id of this.published.actors.keys()) {
      if (!this.actors.has(id)) {
        this.published.actors.delete(id)
        removed.push(id)
      }
    }
    const feeds: string[] = []
    const seen = new Set<number>()
    for (const feed of this.liveFeeds()) {
      seen.add(feed.feedId)
      const text = JSON.stringify(feedSummary(feed, this.rate(feed)))
      if (this.published.feeds.get(feed.feedId) === text) continue
      this.published.feeds.set(feed.feedId, text)
      feeds.push(text)
    }
    const removedFeeds: number[] = []
    for (const id of this.published.feeds.keys()) {
      if (!seen.has(id)) {
        this.published.feeds.delete(id)
        removedFeeds.push(id)
      }
    }
    const hub = this.deps.hub()
    this.deps.publish(
      INTROSPECTION_TOPIC,
      `{"type":"introspection","at":${now},"full":false,"sockets":${hub.sockets},"listening":${hub.listening},` +
        `"subscriptions":${JSON.stringify(hub.subscriptions)},"actors":[${actors.join(',')}],"removed":${JSON.stringify(removed)},` +
        `"feeds":[${feeds.join(',')}],"removed_feeds":${JSON.stringify(removedFeeds)},"point":${JSON.stringify(p)}}`,
    )
  }

  /** Everything at once: GET /admin/v1/live and the stream's first message. */
  snapshot(): {
    at: number
    latency_from: 'notification'
    sockets: number
    listening: boolean
    subscriptions: Record<string, number>
    actors: ReturnType<typeof actorSummary>[]
    feeds: ReturnType<typeof feedSummary>[]
    series: Point[]
  } {
    const hub = this.deps.hub()
    return {
      at: this.now(),
      latency_from: 'notification',
      sockets: hub.sockets,
      listening: hub.listening,
      subscriptions: hub.subscriptions,
      actors: [...this.actors.values()].map(actorSummary),
      feeds: this.liveFeeds().map((feed) => feedSummary(feed, this.rate(feed))),
      series: [...this.series],
    }
  }

  /** `{"type":"introspect"}`: the full message to this socket, then the diffs with everyone. */
  start(client: IntrospectionClient): void {
    const { at, latency_from, sockets, listening, subscriptions, actors, feeds, series } = this.snapshot()
    if (this.deps.numSubscribers(INTROSPECTION_TOPIC) === 0) {
      // the first reader: the next diff is against what it has now, not what an earlier reader had
      this.published.actors.clear()
      this.published.feeds.clear()
      for (const record of this.actors.values()) this.published.actors.set(record.id, record.version)
      for (const feed of feeds) this.published.feeds.set(feed.id, JSON.stringify(feed))
    }
    client.send(JSON.stringify({ type: 'introspection', at, full: true, latency_from, sockets, listening, subscriptions, actors, removed: [], feeds, removed_feeds: [], point: series[series.length - 1] ?? null, series }))
    client.subscribeTopic(INTROSPECTION_TOPIC)
  }

  stop(client: IntrospectionClient): void {
    client.unsubscribeTopic(INTROSPECTION_TOPIC)
    this.unwatch(client)
  }

  /** The socket closed: forget its watch (its topics went with it). */
  leave(client: IntrospectionClient): void {
    this.watches.delete(client)
  }

  /** `{"type":"introspect.watch"}`: follow one actor, or none. False for an unknown actor. */
  watch(client: IntrospectionClient, actorId: string | null): boolean {
    this.unwatch(client)
    if (actorId === null) return true
    const record = this.actors.get(actorId) ?? this.closed.get(actorId)
    if (!record) return false
    const watch: Watch = { actorId, topic: null }
    this.watches.set(client, watch)
    this.sendDetail(client, watch, record)
    return true
  }

  private unwatch(client: IntrospectionClient): void {
    const watch = this.watches.get(client)
    if (!watch) return
    if (watch.topic) client.unsubscribeTopic(watch.topic)
    this.watches.delete(client)
  }

  /** The actor message, then the feed's own deltas from its rows' sequence on. */
  private sendDetail(client: IntrospectionClient, watch: Watch, record: ActorRecord): void {
    client.send(`{"type":"actor","id":${JSON.stringify(record.id)},${this.detailBody(record)}}`)
    const topic = record.closedAt === null && record.feed && record.feed.feedId > 0 ? record.feed.topic : null
    if (topic !== watch.topic) {
      if (watch.topic) client.unsubscribeTopic(watch.topic)
      if (topic) client.subscribeTopic(topic)
      watch.topic = topic
    }
  }

  /** GET /admin/v1/live/actors/{id}: the body as JSON text, or null for an unknown actor. */
  async actorDetail(actorId: string): Promise<string | null> {
    const record = this.actors.get(actorId) ?? this.closed.get(actorId)
    if (!record) return null
    // the rows as of the feed's sequence: the hub keeps none, they are read from PostgreSQL
    if (record.feed && record.feed.feedId > 0 && record.feed.state !== 'closed') await record.feed.snapshot().catch(() => null)
    return `{${this.detailBody(record)}}`
  }

  private detailBody(record: ActorRecord): string {
    const feed = record.feed && record.feed.feedId > 0 && record.feed.state !== 'closed' ? record.feed : null
    let rows = 'null'
    let omitted = 'null'
    // the rows last read from PostgreSQL (the hub keeps none of its own), with their sequence
    const stored = feed?.storedRows ?? null
    if (stored) {
      if (stored.entries.length <= MAX_ROWS_JSON) rows = stored.entries
      else omitted = '"too_large"'
    }
    return (
      `"actor":${JSON.stringify(actorSummary(record))},"feed":${feed ? JSON.stringify(feedSummary(feed, this.rate(feed))) : 'null'},` +
      `"timeline":${JSON.stringify(record.timeline)},"deltas":${feed ? this.recentDeltas(feed) : '[]'},` +
      `"rows":${rows},"rows_seq":${stored ? stored.seq : 'null'},"rows_omitted":${omitted}`
    )
  }

  /**
   * The feed's last deltas that are still in its replay window, with the time each left, as JSON
   * text: the ops are cut from the delta messages as PostgreSQL wrote them, never parsed.
   */
  private recentDeltas(feed: Feed): string {
    const times = new Map(this.track(feed).recent.map((entry) => [entry.seq, entry.at]))
    for (const back of [RECENT_DELTAS, 10, 5, 1]) {
      const messages = feed.replaySince(Math.max(0, feed.seq - back))
      if (messages === null) continue
      const deltas = messages.map((message) => {
        // {"type":"delta","feed":F,"seq":S,"ops":OPS} as Feed writes it
        const opsAt = message.indexOf(',"ops":')
        const seq = Number(/"seq":(\d+)/.exec(message)![1])
        return `{"seq":${seq},"at":${JSON.stringify(times.get(seq) ?? null)},"ops":${message.slice(opsAt + 7, -1)}}`
      })
      return `[${deltas.join(',')}]`
    }
    return '[]'
  }

  private notifyWatchers(record: ActorRecord, transition: Transition, feedChanged: boolean): void {
    if (this.watches.size === 0) return
    for (const [client, watch] of this.watches) {
      if (watch.actorId !== record.id) continue
      client.send(JSON.stringify({ type: 'actor.transition', id: record.id, ...transition }))
      if (record.closedAt !== null) {
        client.send(JSON.stringify({ type: 'actor.closed', id: record.id, at: record.closedAt }))
        if (watch.topic) client.unsubscribeTopic(watch.topic)
        watch.topic = null
      } else if (feedChanged) {
        this.sendDetail(client, watch, record)
      }
    }
  }

  close(): void {
    clearInterval(this.timer)
    this.watches.clear()
  }
}
