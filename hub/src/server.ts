// The composition root: one uWebSockets.js app, one pg pool shared by every handler, one LISTEN
// connection, one route table. It owns them all and closes them all, through one stack of
// closers: each thing is registered the moment it exists, so a start-up that fails half-way and
// close() tear down the same way, in reverse order.
import pg from 'pg'
import uWS from 'uWebSockets.js'
import { createAuth } from '@pgstack/auth'
import { createRest } from '@pgstack/rest'
import type { Config } from './config.ts'
import { ApiError, TokenVerifier, internalError } from '@pgstack/common'
import { Closers } from './closers.ts'
import { ADMIN_PATH, createAdmin } from './admin/index.ts'
import { notFound } from './errors.ts'
import { healthHandler } from './health.ts'
import { errorResponse, hasBody, readBody, readRequest, writeResponse, type HttpResponse } from './http.ts'
import { PgListener } from './listener.ts'
import { verifyToken } from './live/auth.ts'
import { mountLive, type Live } from './live/live-server.ts'
import { applyMigrations, productMigrations, type Migration } from './migrations/index.ts'
import { matchRoute, type Route } from './routes.ts'
import { studioHandler } from './studio.ts'
import { STUDIO_APP_DIR } from '@pgstack/studio'
import { RuntimeSettings, SETTINGS_CHANNEL } from './settings/runtime-settings.ts'
import type { ApiKeys } from './keys.ts'

export interface HubOptions {
  config: Config
  log?: (line: string) => void
  /** Migrations of other packages, applied after the core ones. */
  migrations?: Migration[]
  /** The built Studio served at /studio (default: @pgstack/studio's dist); null serves none. */
  studioDir?: string | null
  /** Issue time (seconds) of the API keys signed with PGSTACK_JWT_SECRET (`dev` keeps one per project). */
  apiKeysIssuedAt?: number
}

export interface Hub {
  url: string
  port: number
  pool: pg.Pool
  listener: PgListener
  /** The live protocol's figures (what /metrics and the introspection stream show). */
  live: Pick<Live, 'stats'>
  /** The anon and service keys, signed with the current secret (it changes with a rotation). */
  apiKeys(): Promise<ApiKeys>
  close(): Promise<void>
}

export const LISTEN_CHANNELS = ['pgr', 'pgrst', SETTINGS_CHANNEL] as const

export async function startHub(options: HubOptions): Promise<Hub> {
  const { config } = options
  const log = options.log ?? ((line: string) => console.log(line))
  const startedAt = Date.now()

  await applyMigrations(config.adminDatabaseUrl, productMigrations(options.migrations), log)

  const closers = new Closers()
  try {
    const pool = new pg.Pool({ connectionString: config.databaseUrl, max: config.poolSize })
    closers.push('the pool', () => pool.end())
    // An idle client losing its server must not crash the process; the next query reconnects.
    pool.on('error', (error) => log(`database connection lost: ${error.message}`))
    // A checked-out client has no listener of the pool's: its server dying between two queries
    // (PostgreSQL restart) would be an unhandled 'error' event. The next query on it fails instead.
    pool.on('connect', (client) => client.on('error', () => {}))
    const listener = new PgListener(config.databaseUrl, LISTEN_CHANNELS, log)
    closers.push('the LISTEN connection', () => listener.stop())
    await listener.start()
    // What may change while running (stored auth settings, rotated secrets), loaded before anything serves.
    const settings = new RuntimeSettings(pool, config, log, options.apiKeysIssuedAt)
    await settings.load()
    // The one verifier every API asks (rotation: settings → verifier.setKeys).
    const verifier = new TokenVerifier(settings.verifierKeys())
    const auth = await createAuth({ pool, config: settings.authConfig(), verifier, log })
    closers.push('auth', () => auth.close())
    settings.attach(verifier, auth)
    listener.on('notification', ({ channel, payload }) => {
      if (channel !== SETTINGS_CHANNEL) return
      if (payload === 'auth_settings' || payload === 'jwt_secrets') void settings.reload(payload).catch(() => {})
    })
    // A reconnected LISTEN may have missed changes.
    listener.on('connected', () => void settings.reload('all').catch(() => {}))

    const rest = createRest({ pool, schemas: config.restSchemas, verifier, log })
    closers.push('rest', () => rest.close())
    listener.on('notification', ({ channel, payload }) => {
      if (channel === 'pgrst' && payload !== 'reload config') void rest.schemaChanged(payload)
    })
    // A reconnected LISTEN may have missed reload notifications.
    listener.on('connected', () => void rest.reloadSchema())

    const routes: Route[] = [
      { prefix: '/health', handler: healthHandler(pool, startedAt) },
      { prefix: '/rest/v1', handler: rest.handler },
      { prefix: '/auth/v1', handler: auth.handler },
    ]
    const studioDir = options.studioDir === undefined ? STUDIO_APP_DIR : options.studioDir
    if (studioDir !== null) routes.push({ prefix: '/studio', handler: studioHandler({ dir: studioDir }) })

    const app = uWS.App()
    closers.push('the uWS app', () => app.close())
    // The live protocol: /live/v1 (WebSocket) and /metrics; its deltas come from the LISTEN connection.
    const live = mountLive(app, { pool, listener, config, verifier, log, compileLiveRead: (relation, schema, query) => rest.compileLiveRead(relation, schema, query) })
    closers.push('the live endpoint', () => live.close())
    routes.push(...live.routes)
    const admin = createAdmin({
      pool,
      verify: (token) => verifyToken(verifier, token),
      signingSecret: () => verifier.signingSecret,
      introspection: live.introspection,
      exposedSchemas: config.restSchemas,
      settings,
      auth,
    })
    routes.push({ prefix: ADMIN_PATH, handler: admin.handler })
    app.any('/*', (res, req) => {
      const pending = readRequest(res, req)
      const match = matchRoute(routes, pending.request.path)
      void (async () => {
        let response: HttpResponse
        try {
          if (!match) throw notFound(pending.request.path)
          const { request } = pending
          if (hasBody(pending)) request.body = await readBody(res, pending, config.maxBodyBytes)
          request.routePath = match.routePath
          response = await match.route.handler(request)
        } catch (error) {
          if (!(error instanceof ApiError)) log(`unhandled error on ${pending.request.method} ${pending.request.path}: ${(error as Error).stack ?? String(error)}`)
          response = errorResponse(error instanceof ApiError ? error : internalError())
        }
        try {
          const streaming = writeResponse(res, pending, response)
          if (streaming) await streaming
        } catch (error) {
          log(`response to ${pending.request.path} failed: ${(error as Error).message}`)
        }
      })()
    })

    const listenSocket = await new Promise<uWS.us_listen_socket>((resolve, reject) => {
      app.listen(config.host, config.port, (socket) => {
        if (socket) resolve(socket)
        else reject(new Error(`Could not listen on ${config.host}:${config.port} (is the port in use? set PORT)`))
      })
    })
    // First to close: no new connections while the rest shuts down.
    closers.push('the listen socket', () => uWS.us_listen_socket_close(listenSocket))
    const port = uWS.us_socket_local_port(listenSocket as unknown as uWS.us_socket)
    const host = config.host.includes(':') ? `[${config.host}]` : config.host
    return {
      url: `http://${host}:${port}`,
      port,
      pool,
      listener,
      live: { stats: live.stats },
      apiKeys: () => settings.apiKeys(),
      close: () => closers.close(),
    }
  } catch (error) {
    return closers.abort(error)
  }
}
