// The live protocol's two messages that carry an error (docs/protocol.md), built in one place from
// the server's ApiError with PostgREST's body: `error` (about the connection, a subscription or a
// feed) and `closed` (a subscription's end, with the error that ended it or null).
import { postgrestBody, type ApiError } from '@pgstack/common'

/** What an `error` is about: a subscription (`id`), a feed (`feed`), or the connection (null). */
export type ErrorSubject = { id: string } | { feed: number } | null

export function errorMessage(subject: ErrorSubject, error: ApiError): string {
  return JSON.stringify({ type: 'error', ...subject, ...postgrestBody(error) })
}

export function closedMessage(id: string, error: ApiError | null): string {
  return JSON.stringify({ type: 'closed', id, error: error && postgrestBody(error) })
}
