// Mounts the live protocol on the hub's uWS app: the /live/v1 WebSocket route, the feed registry
// fed by the one LISTEN connection, heartbeats, the backpressure sweep, introspection and the
// Prometheus metrics route (its figures are live-stats.ts's). It owns its timers and sessions
// and ends them in close().
import type pg from 'pg'
import uWS from 'uWebSockets.js'
import type { Config } from '../config.ts'
import type { TokenVerifier } from '@pgstack/common'
import type { PgListener } from '../listener.ts'
import type { Route } from '../routes.ts'
import { FeedRegistry } from './feed-registry.ts'
import { LiveStatsCollector } from './live-stats.ts'
import { metricsHandler, type LiveStats } from './metrics.ts'
import { createPgrClient } from './pgr.ts'
import { Introspection } from './introspection.ts'
import { HEARTBEAT_TOPIC, LiveSession, type LiveReadCompiler, type SocketData } from './session.ts'

export const LIVE_PATH = '/live/v1'

export interface Live {
  routes: Route[]
  stats(): LiveStats
  /** The actors' records and the stream the Studio's inspector reads (also GET /admin/v1/live). */
  introspection: Introspection
  close(): Promise<void>
}

export function mountLive(
  app: uWS.TemplatedApp,
  deps: {
    pool: pg.Pool
    listener: PgListener
    config: Config
    /** The hub's one token verifier, for /live/v1 and /metrics. */
    verifier: TokenVerifier
    log(line: string): void
    /** Compiles query-builder (`rest`) subscriptions; without it they are refused (PGSL008). */
    compileLiveRead?: LiveReadCompiler
  },
): Live {
  const { config, listener, log } = deps
  const registry = new FeedRegistry({
    pgr: createPgrClient(deps.pool),
    // After close() the app is gone: a late database answer must not touch it (uWS would crash).
    publish: (topic, message) => void (closed || app.publish(topic, message, false, false)),
    numSubscribers: (topic) => (closed ? 0 : app.numSubscribers(topic)),
    log,
    replayDeltas: config.live.replayDeltas,
    // per feed; with thousands of per-user feeds this bounds the replay memory (most deltas are small)
    replayBytes: 512 * 1024,
    lingerMs: config.live.feedLingerMs,
    holder: () => listener.backendPid,
    delivered: (feed, seq, receivedAt) => introspection.delivered(feed, seq, receivedAt),
  })
  void registry.noteServer().catch((error: Error) => log(`live: pg_postmaster_start_time() failed: ${error.message}`))
  const sessions = new Set<LiveSession>()
  let closed = false
  const figures = new LiveStatsCollector(sessions, registry, () => listener.connected)
  const introspection = new Introspection({
    feeds: () => registry.feeds(),
    publish: (topic, message) => void (closed || app.publish(topic, message, false, false)),
    numSubscribers: (topic) => (closed ? 0 : app.numSubscribers(topic)),
    hub: () => ({ sockets: sessions.size, listening: listener.connected, subscriptions: figures.subscriptionCounts() }),
  })

  const onNotification = ({ channel, payload }: { channel: string; payload: string }) => {
    if (channel === 'pgr') registry.onNotification(payload)
  }
  const onLost = () => registry.onListenerLost()
  const onBack = () => registry.onListenerBack()
  listener.on('notification', onNotification)
  listener.on('disconnected', onLost)
  listener.on('connected', onBack)

  app.ws<SocketData>(LIVE_PATH, {
    compression: uWS.DISABLED,
    maxPayloadLength: 64 * 1024,
    idleTimeout: 120,
    sendPingsAutomatically: true,
    maxBackpressure: config.live.maxBufferBytes,
    closeOnBackpressureLimit: 0,
    upgrade: (res, req, context) => {
      const query = new URLSearchParams(req.getQuery() ?? '')
      const token = query.get('apikey') ?? query.get('token')
      res.upgrade<SocketData>(
        { token },
        req.getHeader('sec-websocket-key'),
        req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'),
        context,
      )
    },
    open: (ws) => {
      const session = new LiveSession(ws, {
        verifier: deps.verifier,
        registry,
        ...(deps.compileLiveRead ? { compileLiveRead: deps.compileLiveRead } : {}),
        heartbeatMs: config.live.heartbeatMs,
        maxSubscriptions: config.live.maxSubscriptions,
        highWater: config.live.maxBufferBytes / 2,
        authTimeoutMs: 10_000,
        introspection,
        log,
      })
      ws.getUserData().session = session
      sessions.add(session)
    },
    message: (ws, message) => {
      ws.getUserData().session?.onMessage(Buffer.from(message).toString('utf8'))
    },
    drain: (ws) => ws.getUserData().session?.checkBackpressure(),
    // uWS skipped a message for this socket (past maxBackpressure): it must resync, never see a gap.
    dropped: (ws) => ws.getUserData().session?.onDropped(),
    close: (ws) => {
      const session = ws.getUserData().session
      if (!session) return
      figures.socketClosed(session)
      sessions.delete(session)
      session.onClose()
    },
  })

  const heartbeat = setInterval(() => {
    app.publish(HEARTBEAT_TOPIC, `{"type":"heartbeat","at":${Date.now()}}`, false, false)
  }, config.live.heartbeatMs)
  // A stalled socket never drains, so it is never told; look at every busy socket regularly.
  // (A message uWS drops past maxBackpressure is reported at once through `dropped`.)
  const sweep = setInterval(() => {
    for (const session of sessions) if (session.subscriptionCount > 0) session.checkBackpressure()
  }, 500)

  const stats = (): LiveStats => figures.stats()
  for (const timer of [heartbeat, sweep]) timer.unref()

  return {
    routes: [{ prefix: '/metrics', handler: metricsHandler(deps.verifier, stats) }],
    stats,
    introspection,
    async close() {
      closed = true
      clearInterval(heartbeat)
      clearInterval(sweep)
      introspection.close()
      listener.off('notification', onNotification)
      listener.off('disconnected', onLost)
      listener.off('connected', onBack)
      for (const session of [...sessions]) session.end()
      await registry.close()
    },
  }
}
