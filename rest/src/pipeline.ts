// A node-postgres Submittable that sends several statements in one extended-protocol batch with
// a single Sync: one network round trip, and one implicit transaction, so `set_config(…, true)`
// from the first statement holds for the next. Statements with a name are prepared once per
// connection and reused. Rows come back as arrays of text fields, per statement. The messages
// are serialised up front and go to the socket as one buffer: one write per batch, not one
// stream chunk per message.
import type { Submittable } from 'pg'
import { serialize } from 'pg-protocol'
import { prepareValue } from 'pg/lib/utils.js'

export interface PipelineStatement {
  /** Prepared-statement name; omit for one-off statements. */
  name?: string
  text: string
  values: unknown[]
}

type Fields = (string | null)[]

interface Connection {
  sendCopyFail(message: string): void
  stream: { writable: boolean; write(data: Buffer): boolean }
}

const valueMapper = prepareValue as (v: unknown) => unknown
const EXECUTE = serialize.execute({ portal: '', rows: 0 })
const SYNC = serialize.sync()

/** Sends the serialised messages in one socket write (a dead socket fails the query on its own). */
function send(connection: unknown, messages: Buffer[]): void {
  const { stream } = connection as Connection
  if (stream.writable) stream.write(messages.length === 1 ? messages[0]! : Buffer.concat(messages))
}

/** An error PostgreSQL answered (it ends one Sync's transaction), not a broken connection. */
export const isServerError = (error: unknown): boolean => error instanceof Error && 'severity' in error

/** Names prepared on each connection (the connection object is the key), least recently used first. */
const prepared = new WeakMap<object, Set<string>>()
/**
 * At most this many prepared statements per connection: past it, the least recently used one is
 * closed before the next is prepared, so server memory stays bounded and a new statement text
 * (a new shape, or one built after DDL) is still prepared once, not planned again on every run.
 */
const MAX_PREPARED = 200

export class Pipeline implements Submittable {
  readonly done: Promise<Fields[][]>
  private resolve!: (rows: Fields[][]) => void
  private reject!: (error: Error) => void
  private readonly results: Fields[][]
  private index = 0
  private parsing: string[] = []
  private connection: object | undefined

  constructor(private readonly statements: PipelineStatement[]) {
    this.results = statements.map(() => [])
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
  }

  submit(connection: unknown): void {
    const messages: Buffer[] = []
    this.write(connection, messages)
    send(connection, messages)
  }

  /** Appends the statements' messages and their Sync to `messages`. */
  write(connection: unknown, messages: Buffer[]): void {
    const con = connection as object
    this.connection = con
    let known = prepared.get(con)
    if (!known) prepared.set(con, (known = new Set()))
    for (const s of this.statements) {
      if (s.name === undefined) {
        messages.push(serialize.parse({ name: '', text: s.text, types: [] }))
      } else if (known.delete(s.name)) {
        known.add(s.name) // now the most recently used
      } else {
        if (known.size > 0 && known.size + this.parsing.length >= MAX_PREPARED) {
          const oldest = known.values().next().value!
          known.delete(oldest)
          messages.push(serialize.close({ type: 'S', name: oldest }))
        }
        // A statement left over by a failed batch is closed first; closing nothing is no error.
        messages.push(serialize.close({ type: 'S', name: s.name }), serialize.parse({ name: s.name, text: s.text, types: [] }))
        this.parsing.push(s.name)
      }
      messages.push(serialize.bind({ statement: s.name ?? '', values: s.values, valueMapper }), EXECUTE)
    }
    messages.push(SYNC)
  }

  handleRowDescription(): void {}
  handleDataRow(msg: { fields: Fields }): void {
    this.results[this.index]?.push(msg.fields)
  }
  handleCommandComplete(): void {
    this.index++
  }
  handleEmptyQuery(): void {
    this.index++
  }
  handlePortalSuspended(): void {}
  handleCopyInResponse(connection: Connection): void {
    connection.sendCopyFail('COPY is not supported here')
  }
  handleCopyData(): void {}
  handleError(error: Error): void {
    this.reject(error)
  }
  handleReadyForQuery(): void {
    const known = this.connection && prepared.get(this.connection)
    for (const name of this.parsing) known?.add(name)
    this.resolve(this.results)
  }
}

/** The parts of a node-postgres Client that a Batch re-arms between its Syncs. */
interface ClientState {
  _activeQuery: unknown
  readyForQuery: boolean
}

/**
 * Several Pipelines, each with its own Sync (so each its own implicit transaction, and an error
 * in one does not touch the others), written to one connection in one write. The backend runs
 * them back to back and answers in one go: a batch of concurrent small requests costs one
 * round trip and one wake-up instead of one each. node-postgres hands the active query the
 * first ReadyForQuery and then forgets it, so the batch makes itself active again until every
 * Sync has been answered.
 */
export class Batch implements Submittable {
  private current = 0
  private failed = false

  constructor(
    private readonly client: object,
    private readonly pipelines: Pipeline[],
  ) {}

  submit(connection: unknown): void {
    const messages: Buffer[] = []
    for (const p of this.pipelines) p.write(connection, messages)
    send(connection, messages)
  }

  private get active(): Pipeline | undefined {
    return this.pipelines[this.current]
  }

  private rearm(): void {
    const client = this.client as ClientState
    client._activeQuery = this
    client.readyForQuery = false
  }

  handleRowDescription(): void {}
  handleDataRow(msg: { fields: Fields }): void {
    this.active?.handleDataRow(msg)
  }
  handleCommandComplete(): void {
    this.active?.handleCommandComplete()
  }
  handleEmptyQuery(): void {
    this.active?.handleEmptyQuery()
  }
  handlePortalSuspended(): void {}
  handleCopyInResponse(connection: Connection): void {
    connection.sendCopyFail('COPY is not supported here')
  }
  handleCopyData(): void {}
  handleError(error: Error): void {
    if (isServerError(error) && this.active) {
      // A server error ends this Sync's transaction only: wait for its ReadyForQuery.
      this.active.handleError(error)
      this.failed = true
      this.rearm()
      return
    }
    // The connection is gone: nothing more will come for any of them.
    for (; this.current < this.pipelines.length; this.current++) this.pipelines[this.current]!.handleError(error)
  }
  handleReadyForQuery(): void {
    const p = this.active
    if (!p) return
    if (!this.failed) p.handleReadyForQuery()
    this.failed = false
    this.current++
    if (this.current < this.pipelines.length) this.rearm()
  }
}
