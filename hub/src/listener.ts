// The process's one dedicated LISTEN connection. Every NOTIFY wakes every listening backend, so
// there is exactly one per server, never one per subscription. It reconnects with backoff when
// the connection drops and says so, so that consumers can resynchronise. Its backend's pid names
// the session that holds the hub's pg_reactive subscriptions (they outlive it only briefly).
import { EventEmitter } from 'node:events'
import pg from 'pg'

export interface Notification {
  channel: string
  payload: string
}

export interface PgListenerEvents {
  notification: [Notification]
  connected: []
  disconnected: [Error]
}

export class PgListener extends EventEmitter<PgListenerEvents> {
  private client: pg.Client | undefined
  private pid: number | null = null
  private stopped = false
  private retryTimer: NodeJS.Timeout | undefined
  private attempt = 0

  constructor(
    private readonly databaseUrl: string,
    private readonly channels: readonly string[],
    private readonly log: (line: string) => void = () => {},
  ) {
    super()
  }

  get connected(): boolean {
    return this.client !== undefined
  }

  /** The pid of the LISTEN connection's backend, null while disconnected. */
  get backendPid(): number | null {
    return this.client ? this.pid : null
  }

  /** Resolves once LISTEN is in place; later drops reconnect in the background. */
  async start(): Promise<void> {
    await this.connect()
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl })
    client.on('notification', (message) => {
      this.emit('notification', { channel: message.channel, payload: message.payload ?? '' })
    })
    client.on('error', (error) => this.lost(client, error))
    client.on('end', () => this.lost(client, new Error('LISTEN connection ended')))
    let pid: number
    try {
      await client.connect()
      pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
      // (last: pg_stat_activity shows the connection by its LISTEN)
      for (const channel of this.channels) {
        await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`)
      }
    } catch (error) {
      // this connection is ours until it is this.client: a failed one is ended here, not leaked
      await client.end().catch(() => {})
      throw error
    }
    if (this.stopped) {
      // stop() came while this (re)connect was under way: stay stopped
      await client.end().catch(() => {})
      return
    }
    this.client = client
    this.pid = pid
    this.attempt = 0
    this.emit('connected')
  }

  private lost(client: pg.Client, error: Error): void {
    if (this.client !== client) return
    this.client = undefined
    client.removeAllListeners('end')
    client.end().catch(() => {})
    if (this.stopped) return
    this.emit('disconnected', error)
    this.scheduleReconnect()
  }

  private scheduleReconnect(): void {
    const delay = Math.min(5_000, 100 * 2 ** this.attempt++)
    this.retryTimer = setTimeout(() => {
      this.connect().catch((error: Error) => {
        this.log(`LISTEN connection failed (${error.message}); retrying in ${Math.min(5_000, 100 * 2 ** this.attempt)} ms`)
        if (!this.stopped) this.scheduleReconnect()
      })
    }, delay)
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.retryTimer)
    const client = this.client
    this.client = undefined
    await client?.end().catch(() => {})
  }
}
