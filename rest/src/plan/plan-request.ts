// ApiRequest → Plan: picks the table or function, plans reads, writes and calls. The only stage
// that knows the schema cache; what it returns is plain data for the SQL stage.
import { RestError, errors } from '../errors.ts'
import { applyFilterParam } from '../request/parse-request.ts'
import type { ApiRequest, NodeParams } from '../request/types.ts'
import { tableKey, type Routine, type SchemaCache, type Table } from '../schema-cache.ts'
import { planCall } from './plan-call.ts'
import { planMutate } from './plan-mutate.ts'
import { checkAllNodesUsed, planNode } from './plan-read.ts'
import type { Plan, ReadPlan, Shape } from './types.ts'

export function findTable(cache: SchemaCache, schema: string, name: string): Table {
  const table = cache.tables.get(tableKey(schema, name))
  if (!table || table.kind === 'composite type') throw errors.noTable(schema, name)
  return table
}

export function shapeOf(req: ApiRequest, readOnly: boolean): Shape {
  const prefs = req.preferences
  if (prefs.handling === 'strict' && prefs.invalid.length) throw errors.invalidPreferences(prefs.invalid)
  const shape: Shape = { accept: req.accept, stripNulls: req.stripNulls, readOnly, rollback: prefs.tx === 'rollback', applied: [] }
  if (prefs.count) shape.count = prefs.count
  if (prefs.tx) shape.applied.push(`tx=${prefs.tx}`)
  if (prefs.handling) shape.applied.push(`handling=${prefs.handling}`)
  return shape
}

/** Combines `limit`/`offset` with the Range header (their intersection). */
export function rootRange(req: ApiRequest): { offset: number; limit?: number } {
  const root = req.nodes.get('') ?? { filters: [] }
  let lower = root.offset ?? 0
  let upper = root.limit === undefined ? Infinity : lower + root.limit - 1
  if (req.range) {
    lower = Math.max(lower, req.range.from)
    upper = Math.min(upper, req.range.to ?? Infinity)
  }
  const result: { offset: number; limit?: number } = { offset: lower }
  if (upper !== Infinity) result.limit = Math.max(0, upper - lower + 1)
  return result
}

function planRead(req: ApiRequest, cache: SchemaCache, table: Table): ReadPlan {
  const visited = new Set<string>()
  const node = planNode(cache, table, req.select, req.nodes, [], visited)
  checkAllNodesUsed(req.nodes, visited)
  const range = rootRange(req)
  delete node.limit
  if (range.limit !== undefined) node.limit = range.limit
  node.offset = range.offset
  return { kind: 'read', ...shapeOf(req, true), node, offset: range.offset, head: req.method === 'HEAD' }
}

export function planRequest(req: ApiRequest, cache: SchemaCache): Plan {
  const resource = req.resource
  if (resource.kind === 'routine') {
    const overloads: Routine[] = cache.routines.get(tableKey(req.schema, resource.name)) ?? []
    return planCall(req, cache, resource.name, overloads)
  }
  if (resource.kind !== 'relation') throw errors.invalidPath()
  const table = findTable(cache, req.schema, resource.name)
  switch (req.method) {
    case 'GET':
    case 'HEAD':
      return planRead(req, cache, table)
    case 'POST':
    case 'PATCH':
    case 'PUT':
    case 'DELETE':
      return planMutate(req, cache, table)
    default:
      throw errors.method(req.method)
  }
}

/** GET calls: query pairs naming a parameter are arguments, the rest are filters. */
export function splitCallParams(req: ApiRequest, paramNames: Set<string>): { args: Record<string, string>; nodes: Map<string, NodeParams> } {
  const args: Record<string, string> = {}
  const nodes = new Map([...req.nodes].map(([k, v]) => [k, { ...v, filters: [...v.filters] }]))
  if (!nodes.has('')) nodes.set('', { filters: [] })
  for (const [key, value] of req.rawParams) {
    if (paramNames.has(key)) args[key] = value
    else applyFilterParam(nodes, key, value)
  }
  return { args, nodes }
}

export { RestError }
