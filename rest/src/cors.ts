// CORS as PostgREST answers it (any origin): preflights get the allowed methods and headers,
// other responses to a cross-origin request expose the headers clients read (Content-Range…).
import type { RestHttpResponse } from './http-types.ts'

const ALLOW_METHODS = 'GET, POST, PATCH, PUT, DELETE, OPTIONS, HEAD'
const EXPOSE = 'Content-Encoding, Content-Location, Content-Range, Content-Type, Date, Location, Server, Transfer-Encoding, Range-Unit, Preference-Applied, Content-Profile'
const DEFAULT_ALLOW_HEADERS = 'Authorization, Content-Type, Accept, Accept-Language, Content-Language, apikey, Prefer, Range, Range-Unit, Accept-Profile, Content-Profile, X-Client-Info'

export function isPreflight(method: string, headers: Record<string, string>): boolean {
  return method === 'OPTIONS' && headers.origin !== undefined && headers['access-control-request-method'] !== undefined
}

export function preflight(headers: Record<string, string>): RestHttpResponse {
  return {
    status: 200,
    headers: {
      'Access-Control-Allow-Origin': headers.origin ?? '*',
      'Access-Control-Allow-Credentials': 'true',
      'Access-Control-Allow-Methods': ALLOW_METHODS,
      'Access-Control-Allow-Headers': headers['access-control-request-headers'] ?? DEFAULT_ALLOW_HEADERS,
      'Access-Control-Max-Age': '86400',
      Vary: 'Origin',
    },
  }
}

export function withCors(response: RestHttpResponse, headers: Record<string, string>): RestHttpResponse {
  if (headers.origin === undefined) return response
  return {
    ...response,
    headers: { ...response.headers, 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': EXPOSE },
  }
}
