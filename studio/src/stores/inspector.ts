// The live inspector's state, fed by the hub's introspection stream (docs/admin-api.md, "Live
// actors"): actors and feeds upserted and removed by id, the per-second series, and the watched
// actor's detail (timeline, deltas, rows). Messages are applied once per animation frame; the list
// is reconciled by id, so a second's update touches only the cells whose values changed.
import { applyChanges, type LiveChange } from '@pgstack/sdk'
import { createSignal } from 'solid-js'
import { createStore, reconcile } from 'solid-js/store'
import { frameBatcher } from '../lib/frame-batch.ts'
import type { IntrospectionSocket, SocketStatus, StreamMessage } from '../lib/introspection-socket.ts'
import { toNumber, withNumbers } from '../lib/format.ts'
import { api } from '../lib/session.ts'
import type { Actor, ActorDetail, Feed, Point, RowEntry, Transition } from './inspector-types.ts'

/** One line of the inspector: an actor with its feed's figures. */
export interface ActorRow {
  id: string
  socket: number
  subscription: string
  state: string
  stateSince: number
  feed: number | null
  role: string
  subject: string | null
  query: string
  params: unknown[]
  subscribers: number
  deltasPerSecond: number
  lastSeq: number
  lagMs: number
}

export interface Totals {
  sockets: number
  listening: boolean
  subscriptions: Record<string, number>
}

/** Ten minutes of one point a second, as the hub keeps. */
const SERIES_POINTS = 600
const DETAIL_DELTAS = 50

export interface DeltaEntry {
  seq: number
  at: number
  ops: Array<{ op: string; key: string; index?: number; row?: unknown }>
}

/** Who a security context is, for display: the claims' email, else their sub. */
function subjectOf(claims: Record<string, unknown> | undefined): string | null {
  if (!claims) return null
  if (typeof claims.email === 'string' && claims.email) return claims.email
  return typeof claims.sub === 'string' ? claims.sub : null
}

function joinRow(actor: Actor, feed: Feed | undefined): ActorRow {
  return {
    id: actor.id,
    socket: actor.socket,
    subscription: actor.subscription,
    state: actor.state,
    stateSince: actor.state_since,
    feed: actor.feed,
    role: actor.role,
    subject: subjectOf(actor.claims),
    query: actor.rest ? `${actor.rest.schema ? `${actor.rest.schema}.` : ''}${actor.rest.relation}?${actor.rest.query}` : (feed?.query ?? ''),
    params: actor.rest ? [] : (feed?.params ?? []),
    subscribers: feed?.subscribers ?? 0,
    deltasPerSecond: feed?.deltas_per_second ?? 0,
    lastSeq: feed?.last_seq ?? 0,
    lagMs: feed?.lag_ms ?? 0,
  }
}

/** A delta's ops as the SDK's changes, each row kept beside its key as the detail lists them. */
function toChanges(ops: DeltaEntry['ops']): LiveChange<RowEntry>[] {
  return ops.map((op) =>
    op.op === 'delete' ? { kind: 'delete', key: op.key } : { kind: op.op as 'insert' | 'update', key: op.key, row: { key: op.key, row: op.row }, index: toNumber(op.index) },
  )
}

export function createInspectorStore() {
  const [status, setStatus] = createSignal<SocketStatus>('connecting')
  const [statusDetail, setStatusDetail] = createSignal<string | null>(null)
  const [totals, setTotals] = createSignal<Totals>({ sockets: 0, listening: true, subscriptions: {} })
  const [list, setList] = createStore<{ rows: ActorRow[] }>({ rows: [] })
  const [lastAt, setLastAt] = createSignal<number | null>(null)
  /** What the latency is measured from: the writer's commit, or the hub receiving the notification. */
  const [latencyFrom, setLatencyFrom] = createSignal<'commit' | 'notification'>('notification')
  const [seriesVersion, setSeriesVersion] = createSignal(0)
  // uPlot's columns: seconds, deltas/s, latency p50, latency p99 (null: no delta that second)
  const series: [number[], number[], Array<number | null>, Array<number | null>] = [[], [], [], []]
  const actors = new Map<string, Actor>()
  const feeds = new Map<number, Feed>()

  const [watched, setWatched] = createSignal<string | null>(null)
  const [detail, setDetail] = createStore<{
    actor: Actor | null
    feed: Feed | null
    timeline: Transition[]
    deltas: DeltaEntry[]
    rows: RowEntry[] | null
    rowsSeq: number
    rowsOmitted: string | null
    closedAt: number | null
    error: string | null
  }>({ actor: null, feed: null, timeline: [], deltas: [], rows: null, rowsSeq: 0, rowsOmitted: null, closedAt: null, error: null })
  let rowKeys: string[] = []

  const addPoint = (point: Point) => {
    const second = point.at / 1000
    const last = series[0][series[0].length - 1]
    if (last !== undefined && second <= last) return
    series[0].push(second)
    series[1].push(point.deltas)
    series[2].push(point.latency_ms?.p50 ?? null)
    series[3].push(point.latency_ms?.p99 ?? null)
  }

  /** Where each actor's row is in the list, and which actors read each feed. */
  const rowAt = new Map<string, number>()
  const readers = new Map<number, Set<string>>()

  /** The whole list again, oldest actor first: on the first message and when actors come or go. */
  const rebuildList = () => {
    const ordered = [...actors.values()].sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1))
    rowAt.clear()
    readers.clear()
    ordered.forEach((actor, index) => {
      rowAt.set(actor.id, index)
      if (actor.feed !== null) {
        const set = readers.get(actor.feed) ?? new Set<string>()
        set.add(actor.id)
        readers.set(actor.feed, set)
      }
    })
    setList('rows', reconcile(ordered.map((a) => joinRow(a, a.feed === null ? undefined : feeds.get(a.feed))), { key: 'id', merge: true }))
  }

  /** One row's values again; the store writes only those that changed. */
  const refreshRow = (id: string) => {
    const index = rowAt.get(id)
    const actor = actors.get(id)
    if (index === undefined || !actor) return
    setList('rows', index, joinRow(actor, actor.feed === null ? undefined : feeds.get(actor.feed)))
  }

  const applyIntrospection = (message: StreamMessage) => {
    if (message.full) {
      setLatencyFrom(message.latency_from === 'commit' ? 'commit' : 'notification')
      actors.clear()
      feeds.clear()
      for (const s of series) s.length = 0
      for (const point of (message.series as Point[] | undefined) ?? []) addPoint(point)
    }
    const changedFeeds = (message.feeds as Feed[] | undefined) ?? []
    const changedActors = (message.actors as Actor[] | undefined) ?? []
    const removed = (message.removed as string[] | undefined) ?? []
    for (const feed of changedFeeds) feeds.set(feed.id, feed)
    for (const id of (message.removed_feeds as number[] | undefined) ?? []) feeds.delete(id)
    let membership = message.full === true || removed.length > 0
    for (const actor of changedActors) {
      const before = actors.get(actor.id)
      if (!before || before.feed !== actor.feed) membership = true
      actors.set(actor.id, actor)
    }
    for (const id of removed) actors.delete(id)
    if (message.point) addPoint(message.point as Point)
    if (series[0].length > SERIES_POINTS) for (const s of series) s.splice(0, s.length - SERIES_POINTS)
    setSeriesVersion((v) => v + 1)
    // A second's diff usually changes figures only: touch those rows, not the whole list.
    if (membership) rebuildList()
    else {
      for (const actor of changedActors) refreshRow(actor.id)
      for (const feed of changedFeeds) for (const id of readers.get(feed.id) ?? []) refreshRow(id)
    }
    setTotals({ sockets: toNumber(message.sockets), listening: message.listening !== false, subscriptions: (message.subscriptions as Record<string, number>) ?? {} })
    setLastAt(toNumber(message.at) || Date.now())
    const current = watched()
    if (current && detail.actor?.id === current) {
      const actor = actors.get(current)
      if (actor) setDetail('actor', reconcile(actor))
      const feed = actor?.feed != null ? feeds.get(actor.feed) : undefined
      if (feed) setDetail('feed', reconcile(feed))
    }
  }

  const applyDetail = (message: StreamMessage) => {
    switch (message.type) {
      case 'actor': {
        const body = message as unknown as ActorDetail & { id: string }
        if (body.id !== watched()) return
        rowKeys = (body.rows ?? []).map((r) => r.key)
        // The message was parsed losslessly for its rows: its figures become plain numbers again.
        setDetail({
          actor: withNumbers(body.actor),
          feed: body.feed && withNumbers(body.feed),
          timeline: body.timeline.map((t) => withNumbers(t)),
          deltas: body.deltas.map((d) => ({ seq: toNumber(d.seq), at: toNumber(d.at), ops: d.ops })).reverse(),
          rows: body.rows,
          rowsSeq: toNumber(body.rows_seq),
          rowsOmitted: body.rows_omitted,
          closedAt: null,
          error: null,
        })
        return
      }
      case 'actor.transition':
        if (message.id !== watched()) return
        setDetail('timeline', (list) => [...list.slice(-63), { at: toNumber(message.at), event: String(message.event), from: (message.from as string | null) ?? null, to: String(message.to) }])
        return
      case 'actor.closed':
        if (message.id === watched()) setDetail('closedAt', toNumber(message.at))
        return
      case 'delta': {
        if (toNumber(message.feed) !== detail.actor?.feed) return
        const seq = toNumber(message.seq)
        const ops = message.ops as DeltaEntry['ops']
        setDetail('deltas', (list) => [{ seq, at: Date.now(), ops }, ...list.slice(0, DETAIL_DELTAS - 1)])
        if (detail.rows && seq > detail.rowsSeq) {
          const next = applyChanges(rowKeys, detail.rows, toChanges(ops))
          rowKeys = next.keys
          setDetail({ rows: next.rows, rowsSeq: seq })
        }
        return
      }
      case 'snapshot': {
        if (toNumber(message.feed) !== detail.actor?.feed) return
        const rows = message.rows as RowEntry[]
        rowKeys = rows.map((r) => r.key)
        setDetail({ rows, rowsSeq: toNumber(message.seq), rowsOmitted: null })
        return
      }
      case 'error':
        if (message.code === 'PGSA004' && watched()) setDetail('error', String(message.message))
        return
    }
  }

  const batcher = frameBatcher<StreamMessage>('studio:inspector-apply', (messages) => {
    // Introspection messages are diffs: every one applies, in order, but the list is rebuilt once.
    for (const message of messages) {
      if (message.type === 'introspection') applyIntrospection(message)
      else applyDetail(message)
    }
  })

  let socket: IntrospectionSocket | null = null
  return {
    status,
    statusDetail,
    totals,
    list,
    lastAt,
    latencyFrom,
    seriesVersion,
    series,
    watched,
    detail,
    watch(id: string | null) {
      if (id === watched()) return
      setWatched(id)
      rowKeys = []
      setDetail({ actor: null, feed: null, timeline: [], deltas: [], rows: null, rowsSeq: 0, rowsOmitted: null, closedAt: null, error: null })
      socket?.send({ type: 'introspect.watch', actor: id })
    },
    start() {
      socket = api.introspection()
      socket.start({
        message: (message) => batcher.push(message),
        status: (next, statusText) => {
          setStatus(next)
          setStatusDetail(statusText ?? null)
          // a new socket knows nothing of the previous one's watch
          if (next === 'open' && watched()) socket?.send({ type: 'introspect.watch', actor: watched() })
        },
      })
    },
    stop() {
      batcher.cancel()
      socket?.close()
      socket = null
    },
  }
}

export type InspectorStore = ReturnType<typeof createInspectorStore>
