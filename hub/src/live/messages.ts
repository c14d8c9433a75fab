// Parses and checks the client's messages (docs/protocol.md): plain data out, or an ApiError that
// names what is wrong. Nothing here touches a socket. A subscribe's params keep every digit
// (params.ts); the rest is read as JSON.parse reads it.
import type { ApiError } from '@pgstack/common'
import { liveError } from './errors.ts'
import { parseExact } from './params.ts'

export type ClientMessage =
  | { type: 'auth'; token: string }
  | {
      type: 'subscribe'
      id: string
      target: { kind: 'named'; query: string; params: unknown[] } | { kind: 'rest'; relation: string; schema: string | null; query: string }
      resume: { feed: number; seq: number } | null
    }
  | { type: 'unsubscribe'; id: string }
  | { type: 'ping' }
  | { type: 'introspect'; stop: boolean }
  | { type: 'introspect.watch'; actor: string | null }

export type Parsed = { ok: true; message: ClientMessage } | { ok: false; id: string | null; error: ApiError }

const bad = (id: string | null, message: string, hint: string | null = null): Parsed => ({
  ok: false,
  id,
  error: liveError('malformed', message, null, hint ?? 'See docs/protocol.md for the message shapes.'),
})

const isId = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= 64

export function parseClientMessage(text: string): Parsed {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return bad(null, 'message is not JSON')
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return bad(null, 'message is not a JSON object')
  const m = raw as Record<string, unknown>
  switch (m.type) {
    case 'auth':
      if (typeof m.token !== 'string' || m.token === '') return bad(null, 'auth needs a "token" string')
      return { ok: true, message: { type: 'auth', token: m.token } }
    case 'ping':
      return { ok: true, message: { type: 'ping' } }
    case 'introspect':
      return { ok: true, message: { type: 'introspect', stop: m.stop === true } }
    case 'introspect.watch':
      if (m.actor !== null && !isId(m.actor)) return bad(null, 'introspect.watch needs an "actor" id string, or null to stop')
      return { ok: true, message: { type: 'introspect.watch', actor: m.actor } }
    case 'unsubscribe':
      if (!isId(m.id)) return bad(null, 'unsubscribe needs an "id" string of 1 to 64 characters')
      return { ok: true, message: { type: 'unsubscribe', id: m.id } }
    case 'subscribe': {
      if (m.params === undefined) return parseSubscribe(m, undefined)
      // parsed again for its params alone: a number a double cannot hold keeps its digits
      let exact: Record<string, unknown>
      try {
        exact = parseExact(text) as Record<string, unknown>
      } catch (error) {
        return bad(isId(m.id) ? m.id : null, `message cannot be read exactly: ${(error as Error).message}`, 'Send each key of an object once.')
      }
      return parseSubscribe(m, exact.params)
    }
    default:
      return bad(isId(m.id) ? m.id : null, `unknown message type ${JSON.stringify(m.type)}`, 'Use auth, subscribe, unsubscribe, ping, introspect or introspect.watch.')
  }
}

function parseSubscribe(m: Record<string, unknown>, exactParams: unknown): Parsed {
  if (!isId(m.id)) return bad(null, 'subscribe needs an "id" string of 1 to 64 characters')
  const id = m.id
  let resume: { feed: number; seq: number } | null = null
  if (m.resume !== undefined && m.resume !== null) {
    const r = m.resume as Record<string, unknown>
    if (typeof r !== 'object' || !Number.isSafeInteger(r.feed) || !Number.isSafeInteger(r.seq)) {
      return bad(id, '"resume" must be {"feed": <integer>, "seq": <integer>}')
    }
    resume = { feed: r.feed as number, seq: r.seq as number }
  }
  if (m.rest !== undefined) {
    const r = m.rest as Record<string, unknown>
    if (typeof r !== 'object' || r === null || typeof r.relation !== 'string' || typeof (r.query ?? '') !== 'string') {
      return bad(id, '"rest" must be {"relation": <string>, "schema"?: <string>, "query": <string>}')
    }
    const schema = typeof r.schema === 'string' ? r.schema : null
    return { ok: true, message: { type: 'subscribe', id, resume, target: { kind: 'rest', relation: r.relation, schema, query: (r.query as string | undefined) ?? '' } } }
  }
  if (typeof m.query !== 'string' || m.query === '') return bad(id, 'subscribe needs a "query" (a live query name) or "rest"')
  const params = positional(exactParams)
  if (!params) {
    return {
      ok: false,
      id,
      error: liveError('badParams', '"params" must be a JSON array of the values of $1..$n', null, 'pg_reactive 0.1 has positional parameters only; an object keyed "1".."n" is accepted too.'),
    }
  }
  return { ok: true, message: { type: 'subscribe', id, resume, target: { kind: 'named', query: m.query, params } } }
}

/** `[a, b]`, or `{"1": a, "2": b}` / `{"$1": a, "$2": b}`; anything else is null. */
export function positional(value: unknown): unknown[] | null {
  if (value === undefined || value === null) return []
  if (Array.isArray(value)) return value
  if (typeof value !== 'object') return null
  const entries = Object.entries(value as Record<string, unknown>)
  const out: unknown[] = []
  for (const [name, v] of entries) {
    const n = /^\$?([1-9]\d*)$/.exec(name)
    if (!n) return null
    out[Number(n[1]) - 1] = v
  }
  if (out.length !== entries.length) return null
  return out
}
