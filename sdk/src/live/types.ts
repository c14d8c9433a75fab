// The SDK's live-query vocabulary: what a subscription targets, the states a live query moves
// through, and the transport seam. The wire protocol lives behind `LiveTransport`, so the live
// query objects and the React/Solid bindings do not change when the protocol does.

/** The values of a named live query's `$1..$n`: an array, or an object keyed `1..n`. */
export type LiveParams = unknown[] | Record<string, unknown>

/** What a live query subscribes to: a named query with parameters, or a query-builder query. */
export type LiveTarget =
  | { kind: 'named'; name: string; params: LiveParams }
  | {
      kind: 'query'
      /** Table or view, as in `/rest/v1/<relation>`. */
      relation: string
      schema?: string
      /** The PostgREST query string the builder produced (`select=*&done=eq.false&order=…`). */
      query: string
    }

/**
 * `connecting`: waiting for the snapshot; `live`: rows equal a fresh SELECT and deltas apply;
 * `reconnecting`: the connection dropped, rows are the last known ones and it resumes from the
 * last sequence; `error`: the server refused the subscription (see `error`), terminal;
 * `closed`: `close()` was called.
 */
export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'error' | 'closed'

/** The server's error, in PostgREST's shape. */
export interface LiveError {
  code: string
  message: string
  details: string | null
  hint: string | null
}

/** One row change. `key` identifies the row; `index` is its position in the query's order. */
export type LiveChange<Row = unknown> =
  | { kind: 'insert'; key: string; row: Row; index: number }
  | { kind: 'update'; key: string; row: Row; index: number }
  | { kind: 'delete'; key: string }

/** What a transport reports about one subscription. */
export interface LiveSink<Row = unknown> {
  /** A full result (first subscribe, or a resync): rows in order with their keys. */
  snapshot(rows: Array<{ key: string; row: Row }>, sequence: number): void
  /** Changes since `sequence - 1`, already in commit order. */
  changes(changes: Array<LiveChange<Row>>, sequence: number): void
  /** The connection dropped; the transport is reconnecting and will resume from `lastSequence()`. */
  interrupted(): void
  /** The feed is live again after a snapshot, a resume or a resync. */
  live(): void
  /**
   * The subscription was refused or ended by the server (`terminal`), or its query failed to
   * evaluate this time (not terminal: the next delta clears it).
   */
  failed(error: LiveError, terminal?: boolean): void
  /** The last sequence applied, sent on resubscribe so the server replays only what was missed. */
  lastSequence(): number | null
}

/** A connection to the hub's live endpoint, owning its socket, reconnects and resubscriptions. */
export interface LiveTransport {
  /** Starts a subscription; the returned function unsubscribes. */
  subscribe(target: LiveTarget, sink: LiveSink): () => void
  /** A refreshed token, sent without reconnecting; `null` falls back to the anon key. */
  setToken(token: string | null): void
  /** Ends every subscription and the socket. */
  close(): void
}

export interface LiveTransportOptions {
  /** The hub's base URL (`http(s)://` or `ws(s)://`); the transport appends its endpoint's path. */
  url: string
  /** The current access token (a user's JWT, else the anon key), read on every (re)connect. */
  getToken(): Promise<string | null>
}

export type LiveTransportFactory = (options: LiveTransportOptions) => LiveTransport
