// One WebSocket: its token, its subscription actors and the topics it is on. It owns them all:
// on close it stops every actor (which releases its feed). It watches its own send buffer and
// moves its actors to lagging past the high-water mark, and back through a resync once drained.
import { createActor, type Actor } from 'xstate'
import type { WebSocket } from 'uWebSockets.js'
import { verifyToken, type SecurityContext } from './auth.ts'
import { ApiError, CLOCK_SKEW_SECONDS, type TokenVerifier } from '@pgstack/common'
import { closedMessage, errorMessage } from './error-messages.ts'
import { liveError, toApiError } from './errors.ts'
import type { CompiledSql } from './feed.ts'
import type { FeedRegistry } from './feed-registry.ts'
import type { Introspection } from './introspection.ts'
import { parseClientMessage, type ClientMessage } from './messages.ts'
import { stateName, subscriptionMachine, type SubscriptionPort, type SubscriptionStateName } from './subscription-machine.ts'

export const HEARTBEAT_TOPIC = 'heartbeat'

export interface SocketData {
  token: string | null
  session?: LiveSession
}

/** A query-builder live query as @pgstack/rest compiles it (Rest.compileLiveRead). */
export interface LiveReadCompiler {
  (relation: string, schema: string | null, query: string): Promise<{ sql: string; params: unknown[]; columns: string[]; key?: string[] }>
}

export interface SessionOptions {
  /** The hub's one token verifier. */
  verifier: TokenVerifier
  registry: FeedRegistry
  /** Compiles `rest` targets; without it they are refused with PGSL008. */
  compileLiveRead?: LiveReadCompiler
  heartbeatMs: number
  maxSubscriptions: number
  /** Lagging above this many buffered bytes; drained below a quarter of it. */
  highWater: number
  authTimeoutMs: number
  /** Records every subscription actor and serves the service role's introspection stream. */
  introspection?: Introspection
  log(line: string): void
}

type SubscriptionActor = Actor<typeof subscriptionMachine>

const MAX_TIMER_MS = 2 ** 31 - 1

export class LiveSession implements SubscriptionPort {
  private security: SecurityContext | null = null
  private readonly actors = new Map<string, SubscriptionActor>()
  private readonly topics = new Map<string, number>()
  private chain: Promise<void> = Promise.resolve()
  private expiryTimer: NodeJS.Timeout | undefined
  private authTimer: NodeJS.Timeout | undefined
  private closed = false
  lagging = false
  lagEvents = 0
  private dropPending = false

  constructor(
    private readonly ws: WebSocket<SocketData>,
    private readonly options: SessionOptions,
  ) {
    const token = ws.getUserData().token
    if (token) this.enqueue({ type: 'auth', token })
    this.authTimer = setTimeout(() => {
      if (!this.security && !this.closed) this.ws.end(4401, 'no valid token')
    }, options.authTimeoutMs)
  }

  get registry(): FeedRegistry {
    return this.options.registry
  }

  get subscriptionCount(): number {
    return this.actors.size
  }

  /** Counts this socket's subscriptions by state into `into`. */
  countStates(into: Record<SubscriptionStateName, number>): void {
    for (const actor of this.actors.values()) into[stateName(actor.getSnapshot().value)]++
  }

  send(message: string): void {
    if (this.closed) return
    // Corked: the message goes through uWS's shared cork buffer in one write instead of
    // leaving a per-socket buffer behind (sends here come from outside uWS callbacks).
    let result = 1
    this.ws.cork(() => {
      result = this.ws.send(message, false, false)
    })
    if (result === 2) this.onDropped()
    else if (result === 0 && this.ws.getBufferedAmount() > this.options.highWater) this.checkBackpressure()
  }

  subscribeTopic(topic: string): void {
    if (this.closed) return
    const n = this.topics.get(topic) ?? 0
    if (n === 0) this.ws.subscribe(topic)
    this.topics.set(topic, n + 1)
  }

  unsubscribeTopic(topic: string): void {
    if (this.closed) return
    const n = this.topics.get(topic) ?? 0
    if (n <= 1) {
      this.topics.delete(topic)
      if (n === 1) this.ws.unsubscribe(topic)
    } else {
      this.topics.set(topic, n - 1)
    }
  }

  /**
   * A message for this socket was dropped: whatever it held, the socket now lags. uWS calls this
   * from inside publish(), while it walks the topic's subscribers: unsubscribing from the topic
   * there frees memory it is still using, so the reaction waits for the next turn.
   */
  onDropped(): void {
    if (this.closed || this.lagging || this.dropPending) return
    this.dropPending = true
    setImmediate(() => {
      this.dropPending = false
      if (!this.closed && !this.lagging) this.startLagging()
    })
  }

  private startLagging(): void {
    this.lagging = true
    this.lagEvents++
    for (const actor of this.actors.values()) actor.send({ type: 'backpressure.high' })
  }

  /** Called on drain and by the periodic sweep. */
  checkBackpressure(): void {
    if (this.closed) return
    const buffered = this.ws.getBufferedAmount()
    if (!this.lagging && buffered > this.options.highWater) {
      this.startLagging()
    } else if (this.lagging && buffered <= this.options.highWater / 4) {
      this.lagging = false
      for (const actor of this.actors.values()) actor.send({ type: 'backpressure.drained' })
    }
  }

  onMessage(text: string): void {
    const parsed = parseClientMessage(text)
    if (!parsed.ok) {
      this.sendError(parsed.id, parsed.error)
      return
    }
    this.enqueue(parsed.message)
  }

  /** Messages are handled in order; only token checks make the chain wait. */
  private enqueue(message: ClientMessage): void {
    this.chain = this.chain
      .then(() => this.handle(message))
      .catch((error: Error) => this.options.log(`live message failed: ${error.stack ?? error.message}`))
  }

  private async handle(message: ClientMessage): Promise<void> {
    if (this.closed) return
    switch (message.type) {
      case 'auth':
        return this.authenticate(message.token)
      case 'ping':
        return this.send('{"type":"pong"}')
      case 'unsubscribe': {
        const actor = this.actors.get(message.id)
        if (!actor) return this.sendError(message.id, liveError('unknownId', `no subscription "${message.id}" on this socket`))
        actor.send({ type: 'client.unsubscribed' })
        return
      }
      case 'introspect':
      case 'introspect.watch': {
        const introspection = this.options.introspection
        if (this.security?.role !== 'service_role' || !introspection) {
          return this.sendError(null, liveError('forbidden', 'introspection needs the service_role', null, 'Authenticate with the service key.'))
        }
        if (message.type === 'introspect') return message.stop ? introspection.stop(this) : introspection.start(this)
        if (!introspection.watch(this, message.actor)) {
          return this.sendError(null, new ApiError(404, 'PGSA004', `no live actor ${JSON.stringify(message.actor)}`, null, 'Actor ids come from the introspection messages.'))
        }
        return
      }
      case 'subscribe':
        return this.subscribe(message)
    }
  }

  private async authenticate(token: string): Promise<void> {
    const result = await verifyToken(this.options.verifier, token)
    if (this.closed) return
    if (!('key' in result)) return this.sendError(null, result)
    const previous = this.security
    this.security = result
    clearTimeout(this.authTimer)
    clearTimeout(this.expiryTimer)
    if (result.expiresAt !== null) {
      // The verifier's skew rule: the token is good until CLOCK_SKEW_SECONDS after exp, here as on /rest/v1.
      const delay = (result.expiresAt + CLOCK_SKEW_SECONDS) * 1000 - Date.now()
      if (delay < MAX_TIMER_MS) this.expiryTimer = setTimeout(() => this.expire(), Math.max(0, delay))
    }
    this.send(JSON.stringify({ type: 'welcome', role: result.role, expires_at: result.expiresAt, heartbeat_ms: this.options.heartbeatMs }))
    if (!previous) this.ws.subscribe(HEARTBEAT_TOPIC)
    for (const actor of this.actors.values()) actor.send({ type: 'token.refreshed', security: result })
  }

  private expire(): void {
    if (this.closed) return
    this.security = null
    for (const actor of this.actors.values()) actor.send({ type: 'token.expired' })
  }

  private async subscribe(message: ClientMessage & { type: 'subscribe' }): Promise<void> {
    const { id } = message
    if (!this.security) {
      return this.sendError(id, liveError('unauthenticated', 'not authenticated', null, 'Send {"type":"auth","token":…} first, or connect with ?apikey=.'))
    }
    if (this.actors.has(id)) return this.sendError(id, liveError('duplicateId', `a subscription "${id}" is already open on this socket`))
    if (this.actors.size >= this.options.maxSubscriptions) {
      return this.sendError(id, liveError('tooMany', `at most ${this.options.maxSubscriptions} subscriptions per socket`, null, 'Unsubscribe some, or open another socket.'))
    }
    const { target } = message
    let input: { query: string; params: unknown[]; sql?: CompiledSql }
    if (target.kind === 'named') {
      input = { query: target.query, params: target.params }
    } else {
      const compile = this.options.compileLiveRead
      if (!compile) {
        return this.sendError(id, liveError('builderUnavailable', 'query-builder live queries are not available on this hub', null, 'Define a named live query with pgr.define() and subscribe to it by name.'))
      }
      // Planned as GET /rest/v1 plans it (schema cache, quoting); RLS applies when the feed runs
      // under the subscriber's role and claims, as for a named query. Messages stay in order:
      // the next one waits for this compile.
      let compiled: Awaited<ReturnType<LiveReadCompiler>>
      try {
        compiled = await compile(target.relation, target.schema, target.query)
      } catch (error) {
        // as for a named query that fails to subscribe: the error, then `closed` with it
        const e = toApiError(error)
        this.sendError(id, e)
        this.send(closedMessage(id, e))
        return
      }
      if (this.closed || !this.security) return
      input = {
        query: `rest:${target.schema === null ? '' : `${target.schema}.`}${target.relation}`,
        params: compiled.params,
        sql: { sql: compiled.sql, columns: compiled.columns, key: compiled.key ?? null },
      }
    }
    const inspect = this.options.introspection?.inspector(this, id, target.kind === 'rest' ? { relation: target.relation, schema: target.schema, query: target.query } : null)
    const actor = createActor(subscriptionMachine, {
      input: { id, ...input, security: this.security, resume: message.resume, port: this },
      ...(inspect ? { inspect } : {}),
    })
    this.actors.set(id, actor)
    actor.subscribe({
      complete: () => {
        if (this.actors.get(id) === actor) this.actors.delete(id)
      },
      error: (error) => this.options.log(`live subscription ${id} failed: ${(error as Error).message}`),
    })
    actor.start()
  }

  private sendError(id: string | null, error: ApiError): void {
    this.send(errorMessage(id === null ? null : { id }, error))
  }

  /** The socket closed: stop every actor (releasing its feed) without writing to the socket. */
  onClose(): void {
    this.closed = true
    clearTimeout(this.authTimer)
    clearTimeout(this.expiryTimer)
    for (const actor of this.actors.values()) actor.send({ type: 'client.closed' })
    this.actors.clear()
    this.options.introspection?.leave(this)
  }

  /** Server shutdown. */
  end(): void {
    if (!this.closed) this.ws.end(1001, 'server shutting down')
  }
}
