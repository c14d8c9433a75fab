// HTTP request → ApiRequest: path, query string, Prefer, Accept, Range and profile headers.
// Everything a client can get wrong here is a 4xx ApiError, never an exception of another kind.
import { ApiError } from '@pgstack/common'
import { errors } from '../errors.ts'
import type { RestHttpRequest } from '../http-types.ts'
import { parseCondition, parseFilterKey, parseLogic, parseOrder, splitTopLevel } from './parse-filters.ts'
import { negotiate, parseRange, pickSchema } from './parse-headers.ts'
import { parsePrefer } from './parse-prefer.ts'
import { parseSelect } from './parse-select.ts'
import type { ApiRequest, Method, NodeParams, Resource } from './types.ts'

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'])

export function parsePath(routePath: string): Resource {
  const segments = routePath.split('/').filter((s) => s !== '')
  let decoded: string[]
  try {
    decoded = segments.map((s) => decodeURIComponent(s))
  } catch {
    throw errors.invalidPath()
  }
  if (decoded.length === 0) return { kind: 'root' }
  if (decoded.length === 1) return { kind: 'relation', name: decoded[0]! }
  if (decoded.length === 2 && decoded[0] === 'rpc') return { kind: 'routine', name: decoded[1]! }
  throw errors.invalidPath()
}

function nodeFor(nodes: Map<string, NodeParams>, path: string[]): NodeParams {
  const key = path.join('.')
  let node = nodes.get(key)
  if (!node) {
    node = { filters: [] }
    nodes.set(key, node)
  }
  return node
}

function parseNonNegative(value: string, what: 'limit' | 'offset'): number {
  // A negative offset is a no-op, as PostgREST treats it.
  if (what === 'offset' && /^-\d+$/.test(value.trim())) return 0
  if (!/^\d+$/.test(value.trim())) {
    if (what === 'limit' && /^-\d+$/.test(value.trim())) throw errors.negativeLimit()
    throw errors.parse(what, value, 1, `unexpected "${value[0] ?? ''}" expecting digit`)
  }
  return Number(value)
}

/** `columns="a",b` → ['a', 'b'] */
export function parseColumns(value: string): string[] {
  return splitTopLevel(value)
    .map((c) => c.trim())
    .map((c) => (c.startsWith('"') && c.endsWith('"') && c.length >= 2 ? c.slice(1, -1) : c))
    .filter((c) => c !== '')
}

/** Applies one filter-like query pair to `nodes`; returns false if the key is not a filter key. */
export function applyFilterParam(nodes: Map<string, NodeParams>, key: string, value: string): void {
  const parts = key.split('.')
  const last = parts[parts.length - 1]!
  // Logic trees: `or`, `not.or`, `embed.or`, `embed.not.and`
  if (last === 'or' || last === 'and') {
    let prefix = parts.slice(0, -1)
    let negated = false
    if (prefix[prefix.length - 1] === 'not') {
      negated = true
      prefix = prefix.slice(0, -1)
    }
    nodeFor(nodes, prefix).filters.push(parseLogic(last, negated, value))
    return
  }
  const { path, field } = parseFilterKey(key)
  nodeFor(nodes, path).filters.push(parseCondition(field, value))
}

/**
 * In a GET call, a pair whose value is not an operator expression (`a=1`, not `a=eq.1`) is an
 * argument of the function, as PostgREST decides; logic trees and embed paths stay filters.
 */
function isArgument(key: string, value: string): boolean {
  const last = key.slice(key.lastIndexOf('.') + 1)
  if (last === 'or' || last === 'and') return false
  try {
    parseCondition({ name: key, path: [] }, value)
    return false
  } catch (error) {
    if (error instanceof ApiError) return true
    throw error
  }
}

export function parseRequest(req: RestHttpRequest, schemas: readonly string[]): ApiRequest {
  if (!METHODS.has(req.method)) throw errors.method(req.method)
  const method = req.method as Method
  const resource = parsePath(req.routePath)
  const { schema, negotiated } = pickSchema(method, req.headers, schemas)
  const { accept, stripNulls } = negotiate(req.headers.accept, resource.kind === 'root')
  const request: ApiRequest = {
    method,
    resource,
    schema,
    negotiatedSchema: negotiated,
    select: [{ kind: 'star' }],
    nodes: new Map([['', { filters: [] }]]),
    rawParams: [],
    preferences: parsePrefer(req.headers.prefer),
    accept,
    stripNulls,
    contentType: (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase(),
    body: req.body,
    path: req.routePath,
  }
  const range = parseRange(req.headers.range, req.headers['range-unit'])
  if (range && (method === 'GET' || method === 'HEAD')) request.range = range

  const isCall = resource.kind === 'routine' && (method === 'GET' || method === 'HEAD')
  for (const [key, value] of new URLSearchParams(req.query)) {
    const parts = key.split('.')
    const last = parts[parts.length - 1]!
    const prefix = parts.slice(0, -1)
    if (key === 'select') request.select = parseSelect(value)
    else if (key === 'columns') {
      request.columns = parseColumns(value)
      if (!request.columns.length) throw errors.parse('columns parameter', value, 1, 'unexpected end of input expecting field name (* or [a..z0..9_$])')
    }
    else if (key === 'on_conflict') request.onConflict = parseColumns(value)
    else if (last === 'order') nodeFor(request.nodes, prefix).order = parseOrder(value)
    else if (last === 'limit') nodeFor(request.nodes, prefix).limit = parseNonNegative(value, 'limit')
    else if (last === 'offset') nodeFor(request.nodes, prefix).offset = parseNonNegative(value, 'offset')
    else if (isCall && isArgument(key, value)) request.rawParams.push([key, value])
    else applyFilterParam(request.nodes, key, value)
  }
  return request
}
