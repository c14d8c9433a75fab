// client.batch([...]): several query-builder calls sent as one atomic batch (POST /rest/v1/ with
// {operations}), run by the server in one transaction, all or nothing. A later operation uses an
// earlier one's result through ref('name.path') — a placeholder the server fills in, in bodies
// (keeping the value's type and digits) and in filters. No Node-only imports.

/** An operation as the wire carries it. */
export interface BatchOperation {
  name?: string
  method: 'GET' | 'HEAD' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
  /** Relative to /rest/v1, with its query: '/orders?select=id'. */
  path: string
  headers?: Record<string, string>
  body?: unknown
}

/** A query builder (not awaited) or an operation, optionally named for references. */
export type BatchItem = PromiseLike<unknown> | BatchOperation | { name: string; query: PromiseLike<unknown> | BatchOperation }

export interface BatchResult<T = unknown> {
  data: T
  status: number
  /** From Content-Range, when the operation asked for a count. */
  count: number | null
  headers: Record<string, string>
}

export interface BatchError {
  code: string
  message: string
  details: unknown
  hint: string | null
  /** Which operation failed (absent when the batch itself was refused). */
  operation?: { index: number; name?: string }
}

export type BatchResponse =
  | { data: BatchResult[]; error: null; status: number }
  | { data: null; error: BatchError; status: number }

/** `{{name.path}}`: the value at `path` in an earlier operation's result (its name or index first). */
export function ref(path: string): string {
  if (!/^[^{}"\\\s]+$/.test(path)) throw new Error(`Invalid batch reference: ${path}`)
  return `{{${path}}}`
}

/** Headers a builder may carry into an operation (the token is the batch's own). */
const KEPT = ['prefer', 'accept', 'range', 'range-unit', 'accept-profile', 'content-profile']

interface BuilderState {
  method: BatchOperation['method']
  url: URL
  headers: Headers
  schema?: string
  body?: unknown
}

const isOperation = (x: unknown): x is BatchOperation =>
  typeof x === 'object' && x !== null && typeof (x as BatchOperation).method === 'string' && typeof (x as BatchOperation).path === 'string'

/** A postgrest-js builder's request as an operation, its path made relative to `restUrl`. */
function fromBuilder(builder: PromiseLike<unknown>, restUrl: string): BatchOperation {
  const b = builder as unknown as BuilderState
  if (!(b.url instanceof URL) || typeof b.method !== 'string') throw new Error('client.batch() takes query builders (not awaited) or operations')
  const base = new URL(restUrl)
  const path = b.url.pathname.startsWith(base.pathname) ? b.url.pathname.slice(base.pathname.replace(/\/$/, '').length) : b.url.pathname
  const headers: Record<string, string> = {}
  b.headers.forEach((value, key) => {
    if (KEPT.includes(key.toLowerCase())) headers[key] = value
  })
  if (b.schema !== undefined) headers[b.method === 'GET' || b.method === 'HEAD' ? 'Accept-Profile' : 'Content-Profile'] = b.schema
  const op: BatchOperation = { method: b.method, path: `${path}${b.url.search}`, headers }
  if (b.body !== undefined) op.body = b.body
  return op
}

function toOperation(item: BatchItem, restUrl: string): BatchOperation {
  if (isOperation(item)) return item
  if (typeof item === 'object' && item !== null && 'query' in item && 'name' in item) {
    const named = item as { name: string; query: PromiseLike<unknown> | BatchOperation }
    return { ...toOperation(named.query, restUrl), name: named.name }
  }
  return fromBuilder(item as PromiseLike<unknown>, restUrl)
}

function countOf(range: string | undefined): number | null {
  const total = range?.split('/')[1]
  return total === undefined || total === '*' ? null : Number(total)
}

/** Sends the batch; `rollback` runs it and rolls it back (Prefer: tx=rollback). */
export async function sendBatch(restUrl: string, fetchImpl: typeof fetch, items: BatchItem[], options: { rollback?: boolean } = {}): Promise<BatchResponse> {
  const operations = items.map((item) => toOperation(item, restUrl))
  const headers: Record<string, string> = { 'Content-Type': 'application/json' }
  if (options.rollback) headers.Prefer = 'tx=rollback'
  const res = await fetchImpl(`${restUrl.replace(/\/$/, '')}/`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ operations }, (_, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)),
  })
  const body = (await res.json()) as { results?: { status: number; headers: Record<string, string>; body: unknown }[] } & BatchError
  if (!res.ok || !body.results) return { data: null, error: body, status: res.status }
  return {
    data: body.results.map((r) => ({ data: r.body, status: r.status, count: countOf(r.headers['Content-Range']), headers: r.headers })),
    error: null,
    status: res.status,
  }
}
