// Owns every Feed of the process: one per (query, params, role, claims). Routes each NOTIFY pgr
// to its feed, keeps a feed a while after its last holder leaves (so a reconnecting client can
// resume), and unsubscribes from pg_reactive when it goes. Its pg_reactive subscriptions are held
// by the LISTEN connection's session: pg_reactive removes them a while after that session is gone
// (a killed hub leaks nothing, and a restarted one takes them over), so after the LISTEN
// connection comes back every feed's subscription is held by the new session, then catches up
// from the delta log.
import { Feed, type FeedDeps, type FeedSpec } from './feed.ts'
import { parsePgrNotice, type PgrNotice } from './pgr-notice.ts'

/** Notifications kept for feeds being subscribed; a bound against a busy database's other feeds. */
const MAX_EARLY = 10_000

/** A hold on a feed: the feed lives (or lingers) until every lease on it is released. */
export interface FeedLease {
  readonly feed: Feed
  /** Gives the hold back; a second call does nothing. */
  release(): void
}

interface Entry {
  feed: Feed
  ready: Promise<Feed>
  linger?: NodeJS.Timeout
}

interface Early {
  notice: PgrNotice
  receivedAt: number
}

export class FeedRegistry {
  private readonly byKey = new Map<string, Entry>()
  private readonly byId = new Map<number, Feed>()
  /** Notifications for feeds not known yet, kept while a subscribe is in flight (it may be theirs). */
  private early = new Map<number, Early[]>()
  private starting = 0
  private earlyCount = 0
  private closed = false
  private serverStartedAt: string | null = null

  /** LISTEN connections since the start (the first, made before any feed, is 0). */
  private connection = 0
  /** Hold requests run one after another, each for the LISTEN connection current when it runs. */
  private holding: Promise<void> = Promise.resolve()

  constructor(
    private readonly deps: FeedDeps & {
      lingerMs: number
      /** The pid of the LISTEN connection's backend (null while it is down): the session that holds the subscriptions. */
      holder(): number | null
    },
  ) {}

  feeds(): Feed[] {
    return [...this.byKey.values()].map((entry) => entry.feed)
  }

  /** A lease on the feed for `spec`, started if needed; the feed is held until the lease is released. */
  async acquire(spec: FeedSpec): Promise<FeedLease> {
    let entry = this.byKey.get(spec.key)
    if (!entry) entry = this.create(spec)
    clearTimeout(entry.linger)
    const { feed } = entry
    feed.holders++
    try {
      await entry.ready
    } catch (error) {
      feed.holders--
      throw error
    }
    let released = false
    return {
      feed,
      release: () => {
        if (released) return
        released = true
        this.release(feed)
      },
    }
  }

  private create(spec: FeedSpec): Entry {
    const feed = new Feed(spec, this.deps)
    this.starting++
    const connection = this.connection
    const ready = feed
      .start(this.deps.holder())
      .then(() => {
        feed.heldIn = connection
        this.byId.set(feed.feedId, feed)
        // the LISTEN connection changed while subscribing: the new one holds it
        if (connection !== this.connection) void this.hold()
        feed.onLost = () => this.forget(feed)
        for (const { notice, receivedAt } of this.early.get(feed.feedId) ?? []) feed.handle(notice, receivedAt)
        this.early.delete(feed.feedId)
        if (this.closed) void this.drop(feed)
        return feed
      })
      .catch((error: unknown) => {
        this.byKey.delete(spec.key)
        throw error
      })
      .finally(() => {
        if (--this.starting === 0) {
          this.early.clear()
          this.earlyCount = 0
        }
      })
    const entry: Entry = { feed, ready }
    this.byKey.set(spec.key, entry)
    return entry
  }

  private release(feed: Feed): void {
    feed.holders--
    if (feed.holders > 0 || feed.state === 'closed') return
    const entry = this.byKey.get(feed.spec.key)
    if (!entry || entry.feed !== feed) return
    clearTimeout(entry.linger)
    if (this.deps.lingerMs <= 0) {
      void this.drop(feed)
      return
    }
    entry.linger = setTimeout(() => {
      if (feed.holders === 0) void this.drop(feed)
    }, this.deps.lingerMs)
    entry.linger.unref()
  }

  private forget(feed: Feed): void {
    const entry = this.byKey.get(feed.spec.key)
    if (entry?.feed === feed) {
      clearTimeout(entry.linger)
      this.byKey.delete(feed.spec.key)
    }
    if (this.byId.get(feed.feedId) === feed) this.byId.delete(feed.feedId)
  }

  private async drop(feed: Feed): Promise<void> {
    this.forget(feed)
    feed.close()
    if (!feed.subscriptionId) return
    await this.deps.pgr
      .unsubscribe(feed.subscriptionId)
      .catch((error: Error) => this.deps.log(`live feed ${feed.feedId}: unsubscribe failed: ${error.message}`))
  }

  onNotification(payload: string): void {
    const receivedAt = performance.now()
    const notice = parsePgrNotice(payload)
    if (!notice) {
      this.deps.log(`pgr notification not understood (pg_reactive older than this hub?): ${payload.slice(0, 200)}`)
      return
    }
    const feed = this.byId.get(notice.feed)
    if (feed) {
      feed.handle(notice, receivedAt)
      return
    }
    if (this.starting > 0 && this.earlyCount < MAX_EARLY) {
      // (past the bound a later delta of the new feed shows the gap and is read from the log)
      this.earlyCount++
      const list = this.early.get(notice.feed) ?? []
      list.push({ notice, receivedAt })
      this.early.set(notice.feed, list)
    }
  }

  /** The LISTEN connection dropped: notifications are being missed until it is back. */
  onListenerLost(): void {
    for (const feed of this.byId.values()) feed.markResyncing()
  }

  /**
   * Has the current LISTEN connection's session hold every feed's subscription that another
   * holds (one that is gone: pg_reactive would remove it after its grace).
   */
  private hold(): Promise<void> {
    this.holding = this.holding.then(async () => {
      const holder = this.deps.holder()
      if (holder === null) return // down again: its return holds them
      const connection = this.connection
      const feeds = [...this.byId.values()].filter((feed) => feed.heldIn !== connection && feed.state !== 'closed')
      if (!feeds.length) return
      try {
        const held = new Set(await this.deps.pgr.hold(feeds.map((feed) => feed.subscriptionId), holder))
        // (one no longer there is found lost by its catch-up)
        for (const feed of feeds) if (held.has(feed.subscriptionId)) feed.heldIn = connection
      } catch (error) {
        this.deps.log(`live: holding ${feeds.length} subscriptions in the new LISTEN session failed: ${(error as Error).message}`)
      }
    })
    return this.holding
  }

  /**
   * LISTEN is back, in a new session: it holds the subscriptions first. The same server: read
   * whatever was missed from the log. A restarted server (pg_reactive commits asynchronously, so
   * a crash can lose deltas the hub already published and the worker may then issue other deltas
   * under the same sequence numbers): resync every feed.
   */
  onListenerBack(): void {
    this.connection++
    void this.hold().then(() => this.catchUpAll())
  }

  private catchUpAll(): void {
    void this.deps.pgr.serverStartedAt().then(
      (startedAt) => {
        const restarted = this.serverStartedAt !== null && startedAt !== this.serverStartedAt
        this.serverStartedAt = startedAt
        for (const feed of this.byId.values()) {
          if (restarted) feed.resync()
          else feed.catchUp(true)
        }
      },
      (error: Error) => {
        this.deps.log(`live: cannot tell whether PostgreSQL restarted (${error.message}); resyncing every feed`)
        for (const feed of this.byId.values()) feed.resync()
      },
    )
  }

  /** Remembers the server's start time, to tell a reconnect from a restart later. */
  async noteServer(): Promise<void> {
    this.serverStartedAt = await this.deps.pgr.serverStartedAt()
  }

  async close(): Promise<void> {
    this.closed = true
    await Promise.all(this.feeds().map((feed) => this.drop(feed)))
  }
}
