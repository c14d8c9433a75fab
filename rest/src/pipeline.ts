// A node-postgres Submittable that sends several statements in one extended-protocol batch with
// a single Sync: one network round trip, and one implicit transaction, so `set_config(…, true)`
// from the first statement holds for the next. Statements with a name are prepared once per
// connection and reused. Rows come back as arrays of text fields, per statement.
import type { Submittable } from 'pg'
import { prepareValue } from 'pg/lib/utils.js'

export interface PipelineStatement {
  /** Prepared-statement name; omit for one-off statements. */
  name?: string
  text: string
  values: unknown[]
}

type Fields = (string | null)[]

interface Connection {
  parse(q: { name?: string; text: string; types: number[] }): void
  bind(c: { statement?: string; values: unknown[]; valueMapper: (v: unknown) => unknown }): void
  execute(c: { portal: string; rows: number }): void
  close(c: { type: 'S' | 'P'; name: string }): void
  sync(): void
  sendCopyFail(message: string): void
  stream: { cork?: () => void; uncork?: () => void }
}

/** Names prepared on each connection (the connection object is the key). */
const prepared = new WeakMap<object, Set<string>>()
/** Past this many prepared statements a connection runs new texts unnamed: server memory stays bounded. */
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
    const con = connection as Connection
    this.connection = con
    let known = prepared.get(con)
    if (!known) prepared.set(con, (known = new Set()))
    con.stream.cork?.()
    try {
      for (const statement of this.statements) {
        const s = statement.name !== undefined && !known.has(statement.name) && known.size >= MAX_PREPARED ? { ...statement, name: undefined } : statement
        if (s.name === undefined || !known.has(s.name)) {
          // A statement left over by a failed batch is closed first; closing nothing is no error.
          if (s.name !== undefined) con.close({ type: 'S', name: s.name })
          con.parse({ name: s.name ?? '', text: s.text, types: [] })
          if (s.name !== undefined) this.parsing.push(s.name)
        }
        con.bind({ statement: s.name ?? '', values: s.values, valueMapper: prepareValue as (v: unknown) => unknown })
        con.execute({ portal: '', rows: 0 })
      }
      con.sync()
    } finally {
      con.stream.uncork?.()
    }
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
