// One client subscription's lifecycle as an xstate v5 machine: authorizing → snapshotting → live
// ⇄ lagging → resyncing → live, ending in closed. It never sees a delta: deltas go to its feed's
// topic once for all subscribers; the actor only decides when this socket is on that topic.
import { assign, fromCallback, fromPromise, setup } from 'xstate'
import { TokenRejected, rejectedAsPostgrest, type ApiError } from '@pgstack/common'
import type { SecurityContext } from './auth.ts'
import { closedMessage, errorMessage } from './error-messages.ts'
import { toApiError } from './errors.ts'
import type { CompiledSql, Feed, FeedSpec } from './feed.ts'
import type { FeedRegistry } from './feed-registry.ts'
import { canonicalJson } from './canonical.ts'

/** What a subscription may do with its socket; implemented by the socket's session. */
export interface SubscriptionPort {
  readonly registry: FeedRegistry
  readonly lagging: boolean
  send(message: string): void
  subscribeTopic(topic: string): void
  unsubscribeTopic(topic: string): void
}

export interface SubscriptionInput {
  id: string
  query: string
  params: unknown[]
  /** A query-builder subscription: the SQL rest compiled (`query` is then only its label). */
  sql?: CompiledSql
  security: SecurityContext
  resume: { feed: number; seq: number } | null
  port: SubscriptionPort
}

export interface SubscriptionContext extends SubscriptionInput {
  feed: Feed | null
  /** The sequence the client is at, as far as this actor knows. */
  seq: number
  error: ApiError | null
  /** The socket is gone: say nothing more. */
  silent: boolean
}

export type SubscriptionEvent =
  | { type: 'feed.acquired'; feed: Feed }
  | { type: 'feed.failed'; error: unknown }
  | { type: 'feed.lost'; error: ApiError }
  | { type: 'delta.gap' }
  | { type: 'backpressure.high' }
  | { type: 'backpressure.drained' }
  | { type: 'token.refreshed'; security: SecurityContext }
  | { type: 'token.expired' }
  | { type: 'client.unsubscribed' }
  | { type: 'client.closed' }

export type SubscriptionStateName = 'authorizing' | 'snapshotting' | 'live' | 'lagging' | 'resyncing' | 'closed'

const quote = JSON.stringify

export const subscriptionMachine = setup({
  types: {
    context: {} as SubscriptionContext,
    events: {} as SubscriptionEvent,
    input: {} as SubscriptionInput,
  },
  actors: {
    /**
     * Holds the feed for (query, params, role, claims). A callback, not a promise, so that a feed
     * acquired after the actor moved on (token changed, socket closed) is released, not leaked.
     */
    acquireFeed: fromCallback<SubscriptionEvent, SubscriptionContext>(({ input, sendBack }) => {
      let cancelled = false
      const { registry } = input.port
      const spec: FeedSpec = {
        // a builder feed is identified by its SQL: equal texts share one feed, whatever the label
        key: canonicalJson([input.sql ? { sql: input.sql.sql, key: input.sql.key } : input.query, input.params, input.security.role, input.security.claims]),
        query: input.query,
        params: input.params,
        role: input.security.role,
        claims: input.security.claims,
      }
      if (input.sql) spec.sql = input.sql
      registry.acquire(spec).then(
        (feed) => (cancelled ? registry.release(feed) : sendBack({ type: 'feed.acquired', feed })),
        (error: unknown) => cancelled || sendBack({ type: 'feed.failed', error }),
      )
      return () => {
        cancelled = true
      }
    }),
    /**
     * Sends the rows (or, resuming, only what the client missed); resolves with the client's seq,
     * which may be ahead of the feed's when the rows were read after deltas still on their way.
     */
    sendSnapshot: fromPromise<number, { context: SubscriptionContext; resume: boolean }>(async ({ input: { context, resume }, signal }) => {
      const { feed, port, id } = context
      const r = context.resume
      if (resume && r && feed && r.feed === feed.feedId && r.seq <= feed.seq && feed.replaySince(r.seq) !== null) {
        port.send(`{"type":"resumed","id":${quote(id)},"feed":${feed.feedId},"seq":${r.seq}}`)
        return r.seq
      }
      const snapshot = await feed!.snapshot()
      if (signal.aborted) return snapshot.seq
      port.send(feed!.snapshotMessage(snapshot, id))
      return snapshot.seq
    }),
    /** While live: the deltas published since the client's seq, then the feed's topic. */
    feedLink: fromCallback<SubscriptionEvent, SubscriptionContext>(({ input, sendBack }) => {
      const { feed, port, id } = input
      const missed = feed!.replaySince(input.seq)
      if (missed === null) {
        sendBack({ type: 'delta.gap' })
        return () => {}
      }
      for (const message of missed) port.send(message)
      port.subscribeTopic(feed!.topic)
      port.send(`{"type":"state","id":${quote(id)},"state":"live","seq":${Math.max(input.seq, feed!.seq)}}`)
      if (port.lagging) sendBack({ type: 'backpressure.high' })
      return () => port.unsubscribeTopic(feed!.topic)
    }),
  },
  guards: {
    contextChanged: ({ context, event }) =>
      event.type === 'token.refreshed' && event.security.key !== context.security.key,
  },
  actions: {
    watchFeed: ({ context, self }) => context.feed?.watchers.add(self),
    releaseFeed: assign(({ context, self }) => {
      if (context.feed) {
        context.feed.watchers.delete(self)
        context.port.registry.release(context.feed)
      }
      return { feed: null }
    }),
    announce: ({ context }, state: 'lagging' | 'resyncing') =>
      context.port.send(`{"type":"state","id":${quote(context.id)},"state":"${state}"}`),
    announceClosed: ({ context }) => {
      if (context.silent) return
      const { id, error, port } = context
      if (error) port.send(errorMessage({ id }, error))
      port.send(closedMessage(id, error))
    },
  },
}).createMachine({
  id: 'subscription',
  context: ({ input }) => ({ ...input, feed: null, seq: 0, error: null, silent: false }),
  initial: 'authorizing',
  on: {
    'client.unsubscribed': { target: '.closed' },
    'client.closed': { target: '.closed', actions: assign({ silent: true }) },
    'token.expired': {
      target: '.closed',
      actions: assign({
        error: () => rejectedAsPostgrest(new TokenRejected('expired', 'JWT expired'), 'Send {"type":"auth"} with a fresh token and subscribe again.'),
      }),
    },
    'token.refreshed': [
      {
        guard: 'contextChanged',
        target: '.authorizing',
        reenter: true,
        actions: assign({ security: ({ event }) => event.security, resume: null }),
      },
      { actions: assign({ security: ({ event }) => event.security }) },
    ],
  },
  states: {
    authorizing: {
      invoke: { src: 'acquireFeed', input: ({ context }) => context },
      on: {
        'feed.acquired': { target: 'attached', actions: assign({ feed: ({ event }) => event.feed }) },
        'feed.failed': { target: 'closed', actions: assign({ error: ({ event }) => toApiError(event.error) }) },
      },
    },
    attached: {
      entry: 'watchFeed',
      exit: 'releaseFeed',
      on: { 'feed.lost': { target: 'authorizing', actions: assign({ resume: null }) } },
      initial: 'snapshotting',
      states: {
        snapshotting: {
          invoke: {
            src: 'sendSnapshot',
            input: ({ context }) => ({ context, resume: true }),
            onDone: { target: 'live', actions: assign({ seq: ({ event }) => event.output, resume: null }) },
            onError: { target: '#subscription.closed', actions: assign({ error: ({ event }) => toApiError(event.error) }) },
          },
        },
        live: {
          invoke: { src: 'feedLink', input: ({ context }) => context },
          on: { 'backpressure.high': 'lagging', 'delta.gap': 'resyncing' },
        },
        lagging: {
          entry: { type: 'announce', params: 'lagging' },
          on: { 'backpressure.drained': 'resyncing' },
        },
        resyncing: {
          entry: { type: 'announce', params: 'resyncing' },
          invoke: {
            src: 'sendSnapshot',
            input: ({ context }) => ({ context, resume: false }),
            onDone: { target: 'live', actions: assign({ seq: ({ event }) => event.output }) },
            onError: { target: '#subscription.closed', actions: assign({ error: ({ event }) => toApiError(event.error) }) },
          },
          on: { 'backpressure.high': 'lagging' },
        },
      },
    },
    closed: { type: 'final', entry: 'announceClosed' },
  },
})

/** The protocol's name for where a subscription actor is. */
export function stateName(value: unknown): SubscriptionStateName {
  if (typeof value === 'string') return value as SubscriptionStateName
  return (value as { attached: SubscriptionStateName }).attached
}
