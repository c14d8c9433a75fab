// The Studio's one API client: every HTTP request and every socket to the hub is made here, with
// the signed-in token. Views and stores call its methods and get plain data or an ApiError back;
// nothing else builds a URL, sets a header or parses an error body.
import { websocketTransport, type LiveTransport } from '@pgstack/sdk'
import { parse as parseLossless } from 'lossless-json'
import { IntrospectionSocket } from './introspection-socket.ts'

/** Every error the Studio shows: PostgREST's shape, GoTrue's mapped onto it, network failures too. */
export interface ApiError {
  status: number
  code: string
  message: string
  details: string | null
  hint: string | null
  /** The error body as the hub sent it, for fields an endpoint adds (the SQL editor's position). */
  body?: Record<string, unknown>
}

export type Result<T> = { data: T; error: null; headers: Headers } | { data: null; error: ApiError; headers: Headers | null }

export interface RequestOptions {
  query?: Record<string, string | number | undefined> | URLSearchParams
  body?: unknown
  headers?: Record<string, string>
  signal?: AbortSignal
  /** A token other than the session's (sign-in checks a key before it becomes the session). */
  token?: string
  /**
   * Parse numbers keeping their digits (LosslessNumber): table rows, where a bigint past 2^53 or
   * a 25-digit numeric must show and round-trip exactly as PostgreSQL sent it.
   */
  lossless?: boolean
}

export class Api {
  /**
   * @param origin the hub's origin (the Studio is served by the hub, so `location.origin`)
   * @param token the session's current token, read on every request
   * @param onUnauthorized called when the hub answers 401 to the session's token (expired, rotated)
   */
  constructor(
    readonly origin: string,
    private readonly token: () => string | null,
    private readonly onUnauthorized: () => void = () => {},
  ) {}

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<Result<T>> {
    const url = new URL(path, this.origin)
    if (options.query) {
      const entries = options.query instanceof URLSearchParams ? [...options.query] : Object.entries(options.query)
      for (const [name, value] of entries) if (value !== undefined) url.searchParams.append(name, String(value))
    }
    const token = options.token ?? this.token()
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers }
    if (token) {
      headers.authorization = `Bearer ${token}`
      headers.apikey = token
    }
    let body: string | undefined
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json'
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body)
    }
    let response: Response
    try {
      response = await fetch(url, { method, headers, body, signal: options.signal })
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error
      return { data: null, error: networkError(error as Error), headers: null }
    }
    const text = await response.text()
    const parsed = parseJson(text, options.lossless === true && response.ok)
    if (!response.ok) {
      if (response.status === 401 && !options.token) this.onUnauthorized()
      return { data: null, error: toApiError(response.status, parsed, text), headers: response.headers }
    }
    return { data: (parsed === undefined ? text : parsed) as T, error: null, headers: response.headers }
  }

  get<T>(path: string, options?: RequestOptions) {
    return this.request<T>('GET', path, options)
  }
  post<T>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('POST', path, { ...options, body })
  }
  put<T>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('PUT', path, { ...options, body })
  }
  patch<T>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('PATCH', path, { ...options, body })
  }
  delete<T>(path: string, options?: RequestOptions) {
    return this.request<T>('DELETE', path, options)
  }

  /** The hub's live endpoint for the inspector (one socket, reconnecting, for the session's life). */
  introspection(): IntrospectionSocket {
    return new IntrospectionSocket(this.origin, this.token)
  }

  /** A live-protocol transport for "try it" subscriptions, authenticated with the session's token. */
  liveTransport(): LiveTransport {
    return websocketTransport()({ url: this.origin, getToken: async () => this.token() })
  }
}

function parseJson(text: string, lossless: boolean): unknown {
  if (!text) return undefined
  try {
    return lossless ? parseLossless(text) : JSON.parse(text)
  } catch {
    return undefined
  }
}

function networkError(error: Error): ApiError {
  return {
    status: 0,
    code: 'NETWORK',
    message: `The hub did not answer (${error.message}).`,
    details: null,
    hint: 'Is the hub still running?',
  }
}

/** PostgREST's `{code, message, details, hint}`, GoTrue's `{code, message}` / `{error_code, msg}`. */
export function toApiError(status: number, body: unknown, text = ''): ApiError {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
  const str = (value: unknown) => (typeof value === 'string' ? value : null)
  const code = str(b.code) ?? str(b.error_code) ?? str(b.error) ?? (typeof b.code === 'number' ? String(b.code) : null) ?? `HTTP${status}`
  const message = str(b.message) ?? str(b.msg) ?? str(b.error_description) ?? (text.slice(0, 300) || `HTTP ${status}`)
  return { status, code, message, details: str(b.details), hint: str(b.hint), body: b }
}
