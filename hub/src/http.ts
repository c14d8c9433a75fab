// The uWebSockets.js adapter: turns a uWS request into a plain HttpRequest (headers copied out
// before any await, body read with a size limit) and writes a plain HttpResponse back, corked,
// streaming async-iterable bodies with backpressure. Handlers never see uWS objects.
import { STATUS_CODES } from 'node:http'
import type { HttpRequest as UwsRequest, HttpResponse as UwsResponse } from 'uWebSockets.js'
import { postgrestBody, type ApiError } from '@pgstack/common'
import { payloadTooLarge } from './errors.ts'

export interface HttpRequest {
  /** Upper-case method. */
  method: string
  /** Full URL path, still percent-encoded. */
  path: string
  /** The part of `path` after the route's prefix ('' or starting with '/'). */
  routePath: string
  /** Raw query string without the leading '?'. */
  query: string
  /** Lower-case header names; repeated headers joined with ', '. */
  headers: Record<string, string>
  body: Buffer
  remoteAddress: string
}

export type ResponseBody = string | Uint8Array | AsyncIterable<string | Uint8Array>

export interface HttpResponse {
  status: number
  headers?: Record<string, string>
  body?: ResponseBody
}

export type HttpHandler = (request: HttpRequest) => Promise<HttpResponse>

interface PendingRequest {
  /** `body` and `routePath` are filled in by the server once the route is known. */
  request: HttpRequest
  aborted: boolean
}

const NO_BODY = Buffer.alloc(0)

/** What a handler sees of a uWS request: copied out, since uWS's object dies with its callback. */
class CopiedRequest implements HttpRequest {
  routePath = ''
  body = NO_BODY
  private address: string | undefined

  constructor(
    private readonly res: UwsResponse,
    private readonly pending: PendingRequest,
    readonly method: string,
    readonly path: string,
    readonly query: string,
    readonly headers: Record<string, string>,
  ) {}

  /**
   * Looked up only when a handler asks (auth's rate limits): it is a system call and a copy,
   * which measured ~10 µs — a third of what serving a small request costs uWS and us.
   */
  get remoteAddress(): string {
    if (this.address === undefined) {
      try {
        this.address = this.pending.aborted ? '' : Buffer.from(this.res.getRemoteAddressAsText()).toString()
      } catch {
        this.address = '' // the response has ended: the client is gone
      }
    }
    return this.address
  }
}

export function readRequest(res: UwsResponse, req: UwsRequest): PendingRequest {
  const headers: Record<string, string> = {}
  req.forEach((name, value) => {
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`
  })
  const pending = { aborted: false } as PendingRequest
  pending.request = new CopiedRequest(res, pending, req.getCaseSensitiveMethod().toUpperCase(), req.getUrl(), req.getQuery() ?? '', headers)
  res.onAborted(() => {
    pending.aborted = true
  })
  return pending
}

/** Whether the request announces a body (most GETs do not, and need no wait for one). */
export function hasBody(pending: PendingRequest): boolean {
  const { headers } = pending.request
  const length = headers['content-length']
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}

/** Reads the whole body; rejects with 413 past `limit` bytes. */
export function readBody(res: UwsResponse, pending: PendingRequest, limit: number): Promise<Buffer> {
  const { headers } = pending.request
  const length = headers['content-length']
  if (!hasBody(pending)) return Promise.resolve(NO_BODY)
  if (length !== undefined && Number(length) > limit) {
    return Promise.reject(payloadTooLarge(limit))
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let failed = false
    res.onData((chunk, isLast) => {
      if (failed) return
      size += chunk.byteLength
      if (size > limit) {
        failed = true
        reject(payloadTooLarge(limit))
        return
      }
      chunks.push(Buffer.from(chunk.slice(0))) // uWS reuses the chunk's memory after this call
      if (isLast) resolve(Buffer.concat(chunks))
    })
  })
}

const statusLines = new Map<number, string>()
function statusLine(status: number): string {
  let line = statusLines.get(status)
  if (line === undefined) statusLines.set(status, (line = `${status} ${STATUS_CODES[status] ?? 'Unknown'}`))
  return line
}

function writeHead(res: UwsResponse, response: HttpResponse): void {
  res.writeStatus(statusLine(response.status))
  const { headers } = response
  for (const name in headers) res.writeHeader(name, headers[name]!)
}

function isStream(body: ResponseBody | undefined): body is AsyncIterable<string | Uint8Array> {
  return typeof body === 'object' && body !== null && Symbol.asyncIterator in body
}

/** Waits until uWS can take more bytes, or the client went away. */
function drained(res: UwsResponse, pending: PendingRequest): Promise<void> {
  return new Promise((resolve) => {
    if (pending.aborted) return resolve()
    res.onWritable(() => {
      resolve()
      return true
    })
    res.onAborted(() => {
      pending.aborted = true
      resolve()
    })
  })
}

/** Writes the response; a promise only while a streamed body is still being sent. */
export function writeResponse(res: UwsResponse, pending: PendingRequest, response: HttpResponse): Promise<void> | undefined {
  const { body } = response
  if (isStream(body)) return writeStream(res, pending, response, body)
  if (pending.aborted) return
  res.cork(() => {
    writeHead(res, response)
    res.end(body ?? '')
  })
}

async function writeStream(res: UwsResponse, pending: PendingRequest, response: HttpResponse, body: AsyncIterable<string | Uint8Array>): Promise<void> {
  const iterator = body[Symbol.asyncIterator]()
  try {
    if (pending.aborted) return
    res.cork(() => writeHead(res, response))
    for (;;) {
      const next = await iterator.next()
      if (pending.aborted) return
      if (next.done) break
      let ok = true
      res.cork(() => {
        ok = res.write(next.value)
      })
      if (!ok) await drained(res, pending)
    }
    if (!pending.aborted) res.cork(() => res.end())
  } catch (error) {
    // Headers are gone already: all we can do is cut the response short.
    if (!pending.aborted) res.close()
    throw error
  } finally {
    await iterator.return?.()
  }
}

/** An error in PostgREST's shape, with the headers it brings (WWW-Authenticate on a token's 401). */
export function errorResponse(error: ApiError): HttpResponse {
  return {
    status: error.status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...error.headers },
    body: JSON.stringify(postgrestBody(error)),
  }
}
