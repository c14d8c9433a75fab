// ApiRequest → Plan: picks the table or function, plans reads, writes and calls. The only stage
// that knows the schema cache; what it returns is plain data for the SQL stage.
import { errors } from '../errors.ts'
import type { ApiRequest } from '../request/types.ts'
import { tableKey, type Routine, type SchemaCache, type Table } from '../schema-cache.ts'
import { planCall } from './plan-call.ts'
import { planMutate } from './plan-mutate.ts'
import { checkAllNodesUsed, planNode } from './plan-read.ts'
import { READ_PREFERENCES, rootRange, shapeOf } from './shape.ts'
import type { Plan, ReadPlan } from './types.ts'

export function findTable(cache: SchemaCache, schema: string, name: string): Table {
  const table = cache.tables.get(tableKey(schema, name))
  if (!table || table.kind === 'composite type') throw errors.noTable(schema, name)
  return table
}

function planRead(req: ApiRequest, cache: SchemaCache, table: Table): ReadPlan {
  const visited = new Set<string>()
  const node = planNode(cache, table, req.select, req.nodes, [], visited)
  checkAllNodesUsed(req.nodes, visited)
  const range = rootRange(req)
  delete node.limit
  if (range.limit !== undefined) node.limit = range.limit
  node.offset = range.offset
  return { kind: 'read', ...shapeOf(req, cache, true, READ_PREFERENCES), node, offset: range.offset, head: req.method === 'HEAD' }
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
