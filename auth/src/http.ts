// The plain request/response shapes /auth/v1 is served with (structurally the hub's), and the few
// helpers every endpoint uses: JSON bodies, query parameters, responses.
import type { ApiError } from '@pgstack/common'
import { API_VERSION_2024, API_VERSION_HEADER, badRequest, errorPayload } from './errors.ts'

export interface AuthRequest {
  method: string
  path: string
  routePath: string
  query: string
  headers: Record<string, string>
  body: Buffer
  remoteAddress: string
}

export interface AuthResponse {
  status: number
  headers?: Record<string, string>
  body?: string
}

const CORS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'authorization, apikey, content-type, x-client-info, x-supabase-api-version',
  'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'access-control-expose-headers': 'x-total-count, link, x-supabase-api-version',
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): AuthResponse {
  return {
    status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      [API_VERSION_HEADER]: API_VERSION_2024,
      ...CORS,
      ...headers,
    },
    body: JSON.stringify(body),
  }
}

export function noContent(): AuthResponse {
  return { status: 204, headers: { [API_VERSION_HEADER]: API_VERSION_2024, ...CORS } }
}

export function redirect(location: string): AuthResponse {
  return { status: 303, headers: { location, 'cache-control': 'no-store', ...CORS } }
}

export function renderError(error: ApiError, request: AuthRequest): AuthResponse {
  return json(error.status, errorPayload(error, request.headers))
}

/** The body as an object: JSON, or a form (OAuth clients post /token as a form). */
export function readBody(request: AuthRequest): Record<string, unknown> {
  if (request.body.length === 0) return {}
  const type = request.headers['content-type'] ?? ''
  if (type.startsWith('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(request.body.toString('utf8')))
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(request.body.toString('utf8'))
  } catch {
    throw badRequest('bad_json', 'Could not parse request body as JSON')
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw badRequest('bad_json', 'Request body must be a JSON object')
  }
  return parsed as Record<string, unknown>
}

export function queryParams(request: AuthRequest): URLSearchParams {
  return new URLSearchParams(request.query)
}

/** A string field, trimmed; undefined when absent or empty; 400 when not a string. */
export function stringField(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw badRequest('validation_failed', `${name} must be a string`)
  return value === '' ? undefined : value
}

export function objectField(body: Record<string, unknown>, name: string): Record<string, unknown> | undefined {
  const value = body[name]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'object' || Array.isArray(value)) throw badRequest('validation_failed', `${name} must be an object`)
  return value as Record<string, unknown>
}

/** The client's address; X-Forwarded-For only when a trusted proxy sets it (else it is spoofable). */
export function clientIp(request: AuthRequest, trustForwardedFor: boolean): string {
  const forwarded = trustForwardedFor ? request.headers['x-forwarded-for']?.split(',')[0]?.trim() : undefined
  return forwarded || request.remoteAddress
}
