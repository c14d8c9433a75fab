// The plain request helpers every admin endpoint uses: the JSON body as an object, checked
// fields, query parameters, and JSON responses. Nothing here knows about a route.
import type { HttpRequest, HttpResponse } from '../http.ts'
import { invalid } from './errors.ts'

export const CORS_HEADERS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'authorization, apikey, content-type, x-client-info',
  'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
  'access-control-max-age': '86400',
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...CORS_HEADERS, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  }
}

export function noContent(): HttpResponse {
  return { status: 204, headers: { 'cache-control': 'no-store', ...CORS_HEADERS } }
}

export type Body = Record<string, unknown>

/** The body as a JSON object; an empty body is `{}`. */
export function readJson(request: HttpRequest): Body {
  if (request.body.length === 0) return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(request.body.toString('utf8'))
  } catch (error) {
    throw invalid('the body is not valid JSON', (error as Error).message)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid('the body must be a JSON object')
  return parsed as Body
}

export function stringField(body: Body, name: string, required: true): string
export function stringField(body: Body, name: string, required?: false): string | undefined
export function stringField(body: Body, name: string, required = false): string | undefined {
  const value = body[name]
  if (value === undefined || value === null) {
    if (required) throw invalid(`"${name}" is required`)
    return undefined
  }
  if (typeof value !== 'string') throw invalid(`"${name}" must be a string`)
  return value
}

export function booleanField(body: Body, name: string): boolean | undefined {
  const value = body[name]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'boolean') throw invalid(`"${name}" must be true or false`)
  return value
}

export function integerField(body: Body, name: string, min: number, max: number): number | undefined {
  const value = body[name]
  if (value === undefined || value === null) return undefined
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    throw invalid(`"${name}" must be an integer from ${min} to ${max}`)
  }
  return value as number
}

/** An integer query parameter within bounds, or the fallback when absent. */
export function intParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name)
  if (raw === null || raw === '') return fallback
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw invalid(`query parameter "${name}" must be an integer from ${min} to ${max}`)
  return Number(raw)
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
export const isUuid = (value: string) => UUID.test(value)

export function uuidParam(value: string, name: string): string {
  if (!isUuid(value)) throw invalid(`${name} must be a UUID`, `got ${JSON.stringify(value)}`)
  return value.toLowerCase()
}
