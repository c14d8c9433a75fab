// One shared evaluation: a pg_reactive subscription for (query, params, role, claims), its replay
// window and its uWS topic. Each delta is published once, whatever the number of subscribers, as
// pg_reactive wrote it: its ops carry their positions (computed by PostgreSQL with the query's own
// ORDER BY) and their rows as PostgreSQL's JSON text, so the hub neither sorts nor parses rows and
// keeps none: a snapshot is the feed's stored rows, read from PostgreSQL. Deltas are handled
// strictly in sequence: a gap or a large delta is filled from pg_reactive's delta log; what the log
// no longer has is a resync. A client resuming from before this feed started here (the hub
// restarted, or the client comes from another hub) is replayed from the log too.
import type { ApiError } from '@pgstack/common'
import { errorMessage } from './error-messages.ts'
import { liveError, toApiError } from './errors.ts'
import type { PgrNotice } from './pgr-notice.ts'
import type { PgrClient, PgrDelta, PgrSnapshot } from './pgr.ts'

export interface FeedSpec {
  key: string
  /** The live query's name; for a query-builder feed, a label (`rest:<schema>.<relation>`). */
  query: string
  params: unknown[]
  role: string
  claims: Record<string, unknown>
  /** A query-builder feed: the SQL rest compiled, run through pgr.subscribe_sql. */
  sql?: CompiledSql
}

/** A query-builder live query as rest compiles it (the hub's view of @pgstack/rest's LiveRead). */
export interface CompiledSql {
  sql: string
  columns: string[]
  key: string[] | null
}

export interface FeedDeps {
  pgr: PgrClient
  publish(topic: string, message: string): void
  numSubscribers(topic: string): number
  log(line: string): void
  replayDeltas: number
  replayBytes: number
  /** Wait before a failed catch-up or resync is tried again (default 1 s). */
  retryMs?: number
  /** Told of every delta once it left for the sockets (the introspection's figures). */
  delivered?(feed: Feed, seq: number, receivedAt: number): void
}

export type FeedState = 'subscribing' | 'live' | 'resyncing' | 'closed'

interface Queued {
  notice: PgrNotice
  receivedAt: number
}

/** Catching up: read the log; check the sequence, then read; replace the rows. Weakest first. */
type Job = 'read' | 'check' | 'resync'
const JOBS: readonly Job[] = ['read', 'check', 'resync']

/** What a catch-up job came to; Feed.run acts on it. */
type Outcome =
  | { kind: 'done' }
  /** The log no longer reaches back (or the feed went back in sequence): a resync is right. */
  | { kind: 'logGone' }
  /** The subscription or its live query is gone in pg_reactive. */
  | { kind: 'lost'; message: string }
  /** PostgreSQL could not answer (a dropped connection, a restart): try again later. */
  | { kind: 'failed'; message: string }

/** Told when the pg_reactive subscription is gone (query dropped, feed removed). */
export interface FeedWatcher {
  send(event: { type: 'feed.lost'; error: ApiError }): void
}

export class Feed {
  state: FeedState = 'subscribing'
  subscriptionId = ''
  feedId = 0
  topic = ''
  /** Leases held on this feed (counted by the registry); at zero it lingers, then closes. */
  holders = 0
  deltasTotal = 0
  deliveriesTotal = 0
  lastLagMs = 0
  lastError: ApiError | null = null
  private seqNow = 0
  private rowCount = 0
  private keyColumns: string[] | null = null
  private ring: Array<{ seq: number; message: string }> = []
  private ringBytes = 0
  /** The latest rows read from PostgreSQL; good for any client while its seq is not behind the feed's. */
  private stored: PgrSnapshot | null = null
  private reading: Promise<PgrSnapshot> | null = null
  private queue: Queued[] = []
  /** The catch-up job running, and the one to run after it. */
  private job: Job | null = null
  private next: Job | null = null
  private retryTimer: NodeJS.Timeout | undefined
  /** The log read that fills the replay window back to `from` for resuming clients, while it runs. */
  private backfilling: { from: number; done: Promise<void> } | null = null
  /** Which of the hub's LISTEN connections (the registry counts them) holds the subscription; -1: none yet. */
  heldIn = -1
  /** A Set, not an EventEmitter: thousands of subscribers come and go in O(1) each. */
  readonly watchers = new Set<FeedWatcher>()
  onLost: ((feed: Feed) => void) | null = null

  constructor(
    readonly spec: FeedSpec,
    private readonly deps: FeedDeps,
  ) {}

  get seq(): number {
    return this.seqNow
  }

  get key(): string[] | null {
    return this.keyColumns
  }

  get size(): number {
    return this.rowCount
  }

  /**
   * Subscribes in pg_reactive, held by the session whose pid is `holder`; resolves once the rows
   * and the change feed are both in place.
   */
  async start(holder: number | null): Promise<void> {
    const { pgr } = this.deps
    const { sql } = this.spec
    const sub = sql
      ? await pgr.subscribeSql(sql.sql, this.spec.params, this.spec.role, this.spec.claims, sql.key, holder)
      : await pgr.subscribe(this.spec.query, this.spec.params, this.spec.role, this.spec.claims, holder)
    this.subscriptionId = sub.subscriptionId
    this.feedId = Number(sub.feedId)
    this.topic = `feed:${this.feedId}`
    this.keyColumns = sub.key
    this.stored = sub.snapshot
    this.rowCount = sub.snapshot.size
    this.seqNow = sub.seq
    this.state = 'live'
  }

  /**
   * The rows for a snapshot message, at the feed's sequence or ahead of it: after a delta, the
   * rows are read again from PostgreSQL (one read shared by every subscriber waiting for it). A
   * client given rows ahead of the feed takes the deltas up to them for duplicates.
   */
  async snapshot(): Promise<PgrSnapshot> {
    for (;;) {
      const stored = this.stored
      if (stored && stored.seq >= this.seqNow) return stored
      if (!this.reading) {
        this.reading = this.deps.pgr.resync(this.subscriptionId).finally(() => (this.reading = null))
      }
      const read = await this.reading
      if (!this.stored || read.seq > this.stored.seq) this.stored = read
      if (read.seq >= this.seqNow) return read
    }
  }

  /** The rows last read from PostgreSQL, at their own sequence (which may trail the feed's). */
  get storedRows(): PgrSnapshot | null {
    return this.stored
  }

  /** The snapshot message for subscription `id` (or, without one, for every subscriber of the feed). */
  snapshotMessage(snapshot: PgrSnapshot, id: string | null): string {
    const to = id === null ? '' : `"id":${JSON.stringify(id)},`
    return `{"type":"snapshot",${to}"feed":${this.feedId},"seq":${snapshot.seq},"key":${JSON.stringify(this.keyColumns)},"rows":${snapshot.entries}}`
  }

  /**
   * Delta messages after `seq`, or null when the replay window does not reach back that far. A
   * client ahead of the feed (its snapshot was read after deltas the hub has not published yet)
   * needs none.
   */
  replaySince(seq: number): string[] | null {
    if (seq >= this.seqNow) return []
    const first = this.ring[0]
    if (!first || first.seq > seq + 1) return null
    return this.ring.filter((entry) => entry.seq > seq).map((entry) => entry.message)
  }

  /**
   * Makes the replay window reach back to `seq` with the deltas pg_reactive's log still has, for
   * a client resuming from before this feed started (a restarted hub's window starts empty). One
   * log read serves every client waiting for the same or a later sequence. True when every delta
   * after `seq` can be replayed now; false when the log no longer has them or they would not fit
   * the window (the client then takes a snapshot).
   */
  async backfill(seq: number): Promise<boolean> {
    for (;;) {
      if (this.replaySince(seq) !== null) return true
      if (seq < 0 || seq > this.seqNow || this.state === 'closed') return false
      const pending = this.backfilling
      if (pending && pending.from <= seq) {
        await pending.done
        continue
      }
      const done = this.readBack(seq)
      this.backfilling = { from: seq, done }
      await done
      if (this.backfilling?.done === done) this.backfilling = null
      return this.replaySince(seq) !== null
    }
  }

  /** Prepends the deltas after `seq` that the window lacks, if the log has them all and they fit. */
  private async readBack(seq: number): Promise<void> {
    let deltas: PgrDelta[]
    try {
      deltas = await this.deps.pgr.changes(this.subscriptionId, seq)
    } catch (error) {
      // PR001 (gone from the log) or no answer: the client takes a snapshot instead
      if ((error as { code?: string }).code !== 'PR001') this.deps.log(`live feed ${this.feedId}: reading the log for a resume failed: ${(error as Error).message}`)
      return
    }
    if (this.state === 'closed' || this.replaySince(seq) !== null) return
    // the deltas before the window's first (or, with an empty window, up to the feed's sequence)
    const end = this.ring[0]?.seq ?? this.seqNow + 1
    const missing = deltas.filter((delta) => delta.seq > seq && delta.seq < end)
    if (missing.length !== end - 1 - seq || missing.some((delta, i) => delta.seq !== seq + 1 + i)) return
    const entries = missing.map((delta) => ({ seq: delta.seq, message: this.deltaMessage(delta.seq, delta.ops) }))
    const bytes = entries.reduce((n, entry) => n + entry.message.length, 0)
    if (this.ring.length + entries.length > this.deps.replayDeltas || this.ringBytes + bytes > this.deps.replayBytes) return
    this.ring.unshift(...entries)
    this.ringBytes += bytes
  }

  private deltaMessage(seq: number, ops: string): string {
    return `{"type":"delta","feed":${this.feedId},"seq":${seq},"ops":${ops}}`
  }

  handle(notice: PgrNotice, receivedAt = performance.now()): void {
    if (this.state === 'closed') return
    if (this.job) {
      this.queue.push({ notice, receivedAt })
      return
    }
    if (notice.kind === 'error') {
      this.lastError = liveErrorOf(notice)
      this.deps.publish(this.topic, errorMessage({ feed: this.feedId }, this.lastError))
      return
    }
    if (notice.seq <= this.seqNow) return
    if (notice.kind === 'delta' && notice.seq === this.seqNow + 1) {
      this.publishDelta(notice.seq, notice.size, notice.ops, receivedAt)
      return
    }
    // a gap (a lost notification) or a delta too large for NOTIFY: read it from the log
    this.queue.push({ notice, receivedAt })
    this.request('read')
  }

  /**
   * Brings the feed up to date from the log after notifications may have been missed. After a
   * reconnect the sequence is checked first: pg_reactive commits without waiting for WAL flush,
   * so a PostgreSQL crash can take the feed back to an earlier sequence than the hub has seen;
   * then only a full resync is right.
   */
  catchUp(checkSequence = false): void {
    this.request(checkSequence ? 'check' : 'read')
  }

  /** Replaces the rows with PostgreSQL's, whatever the sequences say (after a server restart). */
  resync(): void {
    this.request('resync')
  }

  /** `ops` is pg_reactive's text, already in the protocol's shape: it is sent as it came. */
  private publishDelta(seq: number, size: number | null, ops: string, receivedAt: number): void {
    this.seqNow = seq
    if (size !== null) this.rowCount = size
    const message = this.deltaMessage(seq, ops)
    this.deps.publish(this.topic, message)
    this.deltasTotal++
    this.deliveriesTotal += this.deps.numSubscribers(this.topic)
    this.lastLagMs = performance.now() - receivedAt
    this.deps.delivered?.(this, seq, receivedAt)
    this.ring.push({ seq, message })
    this.ringBytes += message.length
    while (this.ring.length > this.deps.replayDeltas || (this.ringBytes > this.deps.replayBytes && this.ring.length > 1)) {
      this.ringBytes -= this.ring.shift()!.message.length
    }
  }

  /** One catch-up job at a time; one asked for meanwhile runs next (the strongest of them). */
  private request(job: Job): void {
    if (this.state === 'closed') return
    if (this.job) {
      if (this.next === null || JOBS.indexOf(job) > JOBS.indexOf(this.next)) this.next = job
      return
    }
    void this.run(job)
  }

  /** Runs a job and acts on its outcome: the only place that retries, resyncs or gives up. */
  private async run(job: Job): Promise<void> {
    clearTimeout(this.retryTimer)
    this.job = job
    const outcome = job === 'resync' ? await this.reload() : await this.readLog(job === 'check')
    this.job = null
    if (this.state === 'closed') return
    switch (outcome.kind) {
      case 'done':
        break
      case 'logGone':
        return this.run('resync')
      case 'lost':
        return this.lose(liveError('queryDropped', `live query "${this.spec.query}" was dropped`, outcome.message, 'Subscribe again once it is defined.'))
      case 'failed':
        this.deps.log(`live feed ${this.feedId}: ${job === 'resync' ? 'resync' : 'catching up'} failed: ${outcome.message}`)
        this.state = 'resyncing'
        this.retryTimer = setTimeout(() => this.request(job === 'resync' ? 'resync' : 'check'), this.deps.retryMs ?? 1_000)
        return
    }
    const next = this.next
    this.next = null
    if (next) return this.run(next)
    const queued = this.queue
    this.queue = []
    for (let i = 0; i < queued.length; i++) {
      this.handle(queued[i]!.notice, queued[i]!.receivedAt)
      if (this.job) {
        this.queue.push(...queued.slice(i + 1))
        break
      }
    }
  }

  /** The deltas after the feed's sequence, from pg_reactive's log, published in order. */
  private async readLog(checkSequence: boolean): Promise<Outcome> {
    const startedAt = performance.now()
    try {
      if (checkSequence) {
        const current = await this.deps.pgr.sequence(this.subscriptionId)
        if (current === null) return { kind: 'lost', message: `subscription ${this.subscriptionId} does not exist` }
        if (current < this.seqNow) return { kind: 'logGone' } // the feed went back: PostgreSQL lost commits
      }
      const deltas = await this.deps.pgr.changes(this.subscriptionId, this.seqNow)
      if (this.state === 'closed') return { kind: 'done' }
      for (const delta of deltas) {
        if (delta.seq <= this.seqNow) continue
        if (delta.seq !== this.seqNow + 1) return { kind: 'logGone' } // a hole in the log
        this.publishDelta(delta.seq, delta.size, delta.ops, startedAt)
      }
      if (this.state === 'resyncing') this.state = 'live'
      return { kind: 'done' }
    } catch (error) {
      return outcomeOf(error)
    }
  }

  /** Replaces the rows with the feed's current ones and tells every subscriber. */
  private async reload(): Promise<Outcome> {
    let snapshot: PgrSnapshot
    try {
      snapshot = await this.deps.pgr.resync(this.subscriptionId)
    } catch (error) {
      const outcome = outcomeOf(error)
      return outcome.kind === 'logGone' ? { kind: 'failed', message: (error as Error).message } : outcome
    }
    if (this.state === 'closed') return { kind: 'done' }
    this.seqNow = snapshot.seq
    this.rowCount = snapshot.size
    this.stored = snapshot
    this.ring = []
    this.ringBytes = 0
    this.state = 'live'
    this.deps.publish(this.topic, this.snapshotMessage(snapshot, null))
    return { kind: 'done' }
  }

  markResyncing(): void {
    if (this.state === 'live') this.state = 'resyncing'
  }

  private lose(error: ApiError): void {
    this.close()
    this.onLost?.(this)
    for (const watcher of [...this.watchers]) watcher.send({ type: 'feed.lost', error })
  }

  /** Stops handling deltas; the registry unsubscribes from pg_reactive. */
  close(): void {
    this.state = 'closed'
    clearTimeout(this.retryTimer)
    this.queue = []
    this.ring = []
  }
}

function outcomeOf(error: unknown): Outcome {
  const { code, message } = error as { code?: string; message?: string }
  if (code === 'PR001') return { kind: 'logGone' }
  if (code === '42704') return { kind: 'lost', message: message ?? 'subscription does not exist' }
  return { kind: 'failed', message: message ?? String(error) }
}

function liveErrorOf(notice: PgrNotice & { kind: 'error' }): ApiError {
  return toApiError({ code: notice.code, message: notice.message })
}
