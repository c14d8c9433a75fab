// One client subscription's lifecycle as an xstate v5 machine: authorizing → (resuming →)
// snapshotting → live ⇄ lagging → resyncing → live, ending in closed. It never sees a delta: deltas go to its feed's
// topic once for all subscribers; the actor only decides when this socket is on that topic.
import { assign, fromCallback, fromPromise, setup, type DoneActorEvent } from 'xstate'
import { TokenRejected, rejectedAsPostgrest, type ApiError } from '@pgstack/common'
import type { SecurityContext } from './auth.ts'
import { closedMessage, errorMessage } from './error-messages.ts'
import { toApiError } from './errors.ts'
import type { CompiledSql, Feed, FeedSpec } from './feed.ts'
import type { FeedLease, FeedRegistry } from './feed-registry.ts'
import { canonicalJson } from './canonical.ts'
import type { PgrSnapshot } from './pgr.ts'

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
  /** The hold on the feed while attached; released on leaving `attached`. */
  lease: FeedLease | null
  feed: Feed | null
  /** The sequence the client is at, as far as this actor knows. */
  seq: number
  error: ApiError | null
  /** The socket is gone: say nothing more. */
  silent: boolean
}

export type SubscriptionEvent =
  | { type: 'feed.acquired'; lease: FeedLease }
  | { type: 'feed.failed'; error: unknown }
  | { type: 'feed.lost'; error: ApiError }
  | { type: 'backpressure.high' }
  | { type: 'backpressure.drained' }
  | { type: 'token.refreshed'; security: SecurityContext }
  | { type: 'token.expired' }
  | { type: 'client.unsubscribed' }
  | { type: 'client.closed' }

export type SubscriptionStateName = 'authorizing' | 'resuming' | 'snapshotting' | 'live' | 'lagging' | 'resyncing' | 'closed'

const quote = JSON.stringify
/** The rows readSnapshot resolved with (its done event is not in the machine's event union). */
const snapshotOf = (event: unknown) => (event as DoneActorEvent<PgrSnapshot>).output

export const subscriptionMachine = setup({
  types: {
    context: {} as SubscriptionContext,
    events: {} as SubscriptionEvent,
    input: {} as SubscriptionInput,
  },
  actors: {
    /**
     * Leases the feed for (query, params, role, claims). A callback, not a promise, so that a
     * lease granted after the actor moved on (token changed, socket closed) is released, not leaked.
     */
    acquireFeed: fromCallback<SubscriptionEvent, SubscriptionContext>(({ input, sendBack }) => {
      let cancelled = false
      const spec: FeedSpec = {
        // a builder feed is identified by its SQL: equal texts share one feed, whatever the label
        key: canonicalJson([input.sql ? { sql: input.sql.sql, key: input.sql.key } : input.query, input.params, input.security.role, input.security.claims]),
        query: input.query,
        params: input.params,
        role: input.security.role,
        claims: input.security.claims,
      }
      if (input.sql) spec.sql = input.sql
      input.port.registry.acquire(spec).then(
        (lease) => (cancelled ? lease.release() : sendBack({ type: 'feed.acquired', lease })),
        (error: unknown) => cancelled || sendBack({ type: 'feed.failed', error }),
      )
      return () => {
        cancelled = true
      }
    }),
    /** The feed's rows, at its sequence or ahead of it (read from PostgreSQL when needed). */
    readSnapshot: fromPromise<PgrSnapshot, Feed>(({ input }) => input.snapshot()),
    /** Whether the feed's replay window could be filled back to the client's sequence from the log. */
    backfill: fromPromise<boolean, { feed: Feed; seq: number }>(({ input }) => input.feed.backfill(input.seq)),
    /** While live: the deltas published since the client's seq, then the feed's topic. */
    feedLink: fromCallback<SubscriptionEvent, SubscriptionContext>(({ input, sendBack }) => {
      const { feed, port, id } = input
      const missed = feed!.replaySince(input.seq)
      if (missed === null) return () => {} // the guard on `live` has already sent the actor to resync
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
    /** The client resumes this very feed, and every delta it missed is still in the replay window. */
    canResume: ({ context: { resume, feed } }) =>
      resume !== null && feed !== null && resume.feed === feed.feedId && resume.seq <= feed.seq && feed.replaySince(resume.seq) !== null,
    /** The client resumes this very feed from before the replay window: pg_reactive's log may have the rest. */
    mayBackfill: ({ context: { resume, feed } }) =>
      resume !== null && feed !== null && resume.feed === feed.feedId && resume.seq >= 0 && resume.seq <= feed.seq,
    backfilled: ({ event }) => (event as unknown as DoneActorEvent<boolean>).output,
    /** The deltas since the client's seq are no longer in the replay window. */
    replayGone: ({ context }) => context.feed!.replaySince(context.seq) === null,
  },
  actions: {
    watchFeed: ({ context, self }) => context.feed?.watchers.add(self),
    releaseFeed: ({ context, self }) => {
      context.feed?.watchers.delete(self)
      context.lease?.release()
    },
    /** After readSnapshot: the rows to the client, and their sequence as the client's. */
    sendSnapshot: ({ context, event }) => context.port.send(context.feed!.snapshotMessage(snapshotOf(event), context.id)),
    takeSnapshotSeq: assign({ seq: ({ event }) => snapshotOf(event).seq }),
    sendResumed: ({ context: { port, id, feed, resume } }) =>
      port.send(`{"type":"resumed","id":${quote(id)},"feed":${feed!.feedId},"seq":${resume!.seq}}`),
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
  context: ({ input }) => ({ ...input, lease: null, feed: null, seq: 0, error: null, silent: false }),
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
        'feed.acquired': { target: 'attached', actions: assign({ lease: ({ event }) => event.lease, feed: ({ event }) => event.lease.feed }) },
        'feed.failed': { target: 'closed', actions: assign({ error: ({ event }) => toApiError(event.error) }) },
      },
    },
    attached: {
      entry: 'watchFeed',
      exit: ['releaseFeed', assign({ lease: null, feed: null })],
      on: { 'feed.lost': { target: 'authorizing', actions: assign({ resume: null }) } },
      initial: 'opening',
      states: {
        /** Resume when the feed can replay what the client missed (from its log if need be); a snapshot otherwise. */
        opening: {
          always: [
            { guard: 'canResume', target: 'live', actions: ['sendResumed', assign({ seq: ({ context }) => context.resume!.seq, resume: null })] },
            { guard: 'mayBackfill', target: 'resuming' },
            { target: 'snapshotting' },
          ],
        },
        resuming: {
          invoke: {
            src: 'backfill',
            input: ({ context }) => ({ feed: context.feed!, seq: context.resume!.seq }),
            onDone: [
              { guard: 'backfilled', target: 'live', actions: ['sendResumed', assign({ seq: ({ context }) => context.resume!.seq, resume: null })] },
              { target: 'snapshotting' },
            ],
            onError: { target: 'snapshotting' },
          },
        },
        snapshotting: {
          invoke: {
            src: 'readSnapshot',
            input: ({ context }) => context.feed!,
            onDone: { target: 'live', actions: ['sendSnapshot', 'takeSnapshotSeq', assign({ resume: null })] },
            onError: { target: '#subscription.closed', actions: assign({ error: ({ event }) => toApiError(event.error) }) },
          },
        },
        live: {
          always: { guard: 'replayGone', target: 'resyncing' },
          invoke: { src: 'feedLink', input: ({ context }) => context },
          on: { 'backpressure.high': 'lagging' },
        },
        lagging: {
          entry: { type: 'announce', params: 'lagging' },
          on: { 'backpressure.drained': 'resyncing' },
        },
        resyncing: {
          entry: { type: 'announce', params: 'resyncing' },
          invoke: {
            src: 'readSnapshot',
            input: ({ context }) => context.feed!,
            onDone: { target: 'live', actions: ['sendSnapshot', 'takeSnapshotSeq'] },
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
