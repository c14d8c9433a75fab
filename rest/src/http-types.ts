// The request and response shapes the handler speaks, declared structurally so that rest never
// imports the hub: any server whose objects have these fields can mount the handler.
export interface RestHttpRequest {
  /** Upper-case method. */
  method: string
  /** Path after the mount prefix ('' or starting with '/'), still percent-encoded. */
  routePath: string
  /** Raw query string without '?'. */
  query: string
  /** Lower-case header names. */
  headers: Record<string, string>
  body: Buffer
}

export interface RestHttpResponse {
  status: number
  headers?: Record<string, string>
  body?: string | Uint8Array | AsyncIterable<string | Uint8Array>
}
