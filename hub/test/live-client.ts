// A protocol-following test client over `ws`: it keeps each subscription's rows as docs/protocol.md
// says a client must (snapshot, positioned ops, per-feed sequences), and lets tests wait for
// messages and conditions. Shared by the live tests and the bench.
import WebSocket from 'ws'

export interface Entry {
  key: string
  row: Record<string, unknown>
}

export interface Mirror {
  id: string
  feed: number | null
  seq: number
  entries: Entry[]
  state: string
  error: { code: string; message: string } | null
  closed: boolean
  gaps: number
}

export type Message = Record<string, unknown> & { type: string }

export class LiveTestClient {
  readonly ws: WebSocket
  readonly messages: Message[] = []
  readonly subs = new Map<string, Mirror>()
  private waiters: Array<() => void> = []
  onDelta?: (message: Message) => void
  closedWith: number | null = null

  /** `parse`: how frames are read (JSON.parse, or a lossless parser to see every digit). */
  constructor(url: string, token?: string, parse: (text: string) => unknown = JSON.parse) {
    const base = url.replace(/^http/, 'ws')
    this.ws = new WebSocket(`${base}/live/v1${token ? `?apikey=${encodeURIComponent(token)}` : ''}`)
    this.ws.on('message', (data) => this.receive(parse(String(data)) as Message))
    this.ws.on('close', (code) => {
      this.closedWith = code
      this.wake()
    })
  }

  static async open(url: string, token?: string, parse?: (text: string) => unknown): Promise<LiveTestClient> {
    const client = new LiveTestClient(url, token, parse)
    await new Promise<void>((resolve, reject) => {
      client.ws.once('open', () => resolve())
      client.ws.once('error', reject)
    })
    return client
  }

  send(message: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(message))
  }

  subscribe(id: string, query: string, params: unknown[] = [], resume?: { feed: number; seq: number }): Mirror {
    const mirror: Mirror = this.subs.get(id) ?? { id, feed: null, seq: -1, entries: [], state: 'authorizing', error: null, closed: false, gaps: 0 }
    mirror.closed = false
    mirror.error = null
    this.subs.set(id, mirror)
    this.send({ type: 'subscribe', id, query, params, ...(resume ? { resume } : {}) })
    return mirror
  }

  private receive(m: Message): void {
    this.messages.push(m)
    const id = typeof m.id === 'string' ? m.id : null
    const sub = id ? this.subs.get(id) : undefined
    switch (m.type) {
      case 'snapshot': {
        const targets = sub ? [sub] : [...this.subs.values()].filter((s) => s.feed === m.feed)
        for (const s of targets) {
          s.feed = m.feed as number
          s.seq = m.seq as number
          s.entries = (m.rows as Entry[]).map((e) => ({ ...e }))
        }
        break
      }
      case 'resumed':
        if (sub) {
          sub.feed = m.feed as number
          sub.seq = m.seq as number
        }
        break
      case 'delta':
        this.onDelta?.(m)
        for (const s of this.subs.values()) {
          if (s.feed !== m.feed || s.closed) continue
          const seq = m.seq as number
          if (seq <= s.seq) continue
          if (seq !== s.seq + 1) {
            s.gaps++
            continue
          }
          applyOps(s.entries, m.ops as Op[])
          s.seq = seq
        }
        break
      case 'state':
        if (sub) sub.state = m.state as string
        break
      case 'error':
        if (sub) sub.error = { code: m.code as string, message: m.message as string }
        break
      case 'closed':
        if (sub) {
          sub.closed = true
          sub.state = 'closed'
          if (m.error) sub.error = m.error as Mirror['error']
        }
        break
    }
    this.wake()
  }

  private wake(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }

  /** Resolves once `predicate` holds (checked after every message), or rejects after `ms`. */
  async until(predicate: () => boolean, ms = 5_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + ms
    while (!predicate()) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out waiting for ${what}; last messages: ${this.messages.slice(-5).map((m) => JSON.stringify(m).slice(0, 300)).join(' | ')}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /** The next message (after those already seen from index `from`) matching `match`. */
  async next(match: (m: Message) => boolean, ms = 5_000, from = 0): Promise<Message> {
    let found: Message | undefined
    await this.until(() => (found = this.messages.slice(from).find(match)) !== undefined, ms, 'a matching message')
    return found!
  }

  rows(id: string): Array<Record<string, unknown>> {
    return this.subs.get(id)!.entries.map((e) => e.row)
  }

  close(): void {
    this.ws.close()
  }
}

type Op = { op: 'insert' | 'update' | 'delete'; key: string; index?: number; row?: Record<string, unknown> }

export function applyOps(entries: Entry[], ops: Op[]): void {
  for (const op of ops) {
    const at = entries.findIndex((e) => e.key === op.key)
    if (at >= 0) entries.splice(at, 1)
    if (op.op === 'delete') continue
    entries.splice(Math.min(op.index!, entries.length), 0, { key: op.key, row: op.row! })
  }
}

/** Rows as comparable text: keys sorted, order of rows kept. */
export function canon(rows: ReadonlyArray<Record<string, unknown>>): string {
  return JSON.stringify(rows.map((row) => Object.fromEntries(Object.entries(row).sort(([a], [b]) => (a < b ? -1 : 1)))))
}
