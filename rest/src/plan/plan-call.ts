// /rpc/<fn> → CallPlan: picks the overload whose parameter names match the arguments (PGRST202
// when none, PGRST203 when several), and plans a read over its rows when it returns rows.
import { errors } from '../errors.ts'
import type { ApiRequest } from '../request/types.ts'
import { tableKey, type Column, type Routine, type SchemaCache, type Table } from '../schema-cache.ts'
import { closest } from './fuzzy.ts'
import { parseJsonBody } from './plan-mutate.ts'
import { checkAllNodesUsed, planNode } from './plan-read.ts'
import { CALL_PREFERENCES, rootRange, shapeOf } from './shape.ts'
import type { CallPlan } from './types.ts'

const isJsonType = (type: string) => type === 'json' || type === 'jsonb'

function resultTable(cache: SchemaCache, routine: Routine): Table {
  const t = routine.returnTable
  const known = t ? cache.tables.get(tableKey(t.schema, t.name)) : undefined
  if (known) return known
  const columns: Column[] = routine.outColumns.map((c) => ({
    name: c.name, type: c.type, nullable: true, defaultExpr: null, generated: false, identity: false, description: null, enumValues: null,
  }))
  return {
    oid: 0, schema: routine.schema, name: routine.name, kind: 'view', columns,
    columnMap: new Map(columns.map((c) => [c.name, c])), primaryKey: [], uniqueKeys: [], description: null,
    catalogKeys: { primaryKey: [], uniqueKeys: [] }, indexOids: [],
  }
}

/**
 * PostgREST's hint for an unknown call: the closest function name when none has this name, else
 * the closest parameter list among its overloads.
 */
function functionHint(cache: SchemaCache, schema: string, name: string, overloads: Routine[], keys: string[]): string | null {
  const list = (names: string[]) => `(${[...names].sort().join(', ')})`
  if (!overloads.length) {
    const names = [...cache.routines.values()].flatMap((rs) => rs.filter((r) => r.schema === schema).map((r) => r.name))
    const best = closest(names, name)
    return best === undefined ? null : `Perhaps you meant to call the function ${schema}.${best}`
  }
  const best = closest(overloads.map((r) => list(r.params.map((p) => p.name))), list(keys))
  return best === undefined ? null : `Perhaps you meant to call the function ${schema}.${name}${best}`
}

export function planCall(req: ApiRequest, cache: SchemaCache, name: string, overloads: Routine[]): CallPlan {
  const method = req.method
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') throw errors.rpcMethod(method)
  let provided: Record<string, unknown> = {}
  let rawBody: string | undefined
  const nodes = req.nodes
  const singleObject = req.preferences.params === 'single-object'
  if (method === 'POST') {
    const hasBody = req.body.length > 0
    const body = hasBody ? parseJsonBody(req) : {}
    rawBody = hasBody ? req.body.toString('utf8') : '{}'
    // An array of objects: the first one holds the arguments, as PostgREST takes it.
    const args = Array.isArray(body) ? body[0] : body
    if (typeof args === 'object' && args !== null && !Array.isArray(args)) provided = args as Record<string, unknown>
    else provided = {}
    // columns=: only those keys of the body are arguments.
    if (req.columns) provided = Object.fromEntries(Object.entries(provided).filter(([k]) => req.columns!.includes(k)))
  } else {
    provided = Object.fromEntries(req.rawParams)
    rawBody = JSON.stringify(provided)
  }
  const keys = Object.keys(provided)
  const singleJson = (r: Routine) => r.params.length === 1 && r.params[0]!.name === '' && isJsonType(r.params[0]!.type)
  let candidates: Routine[]
  let singleUnnamed = false
  if (singleObject) {
    // params=single-object: the whole body (or query) is the one json/jsonb argument, named or not.
    candidates = overloads.filter((r) => r.params.length === 1 && isJsonType(r.params[0]!.type))
    singleUnnamed = true
    if (candidates.length === 0) throw errors.noFunctionSingleJson(req.schema, name)
  } else {
    candidates = overloads.filter(
      (r) =>
        r.params.every((p) => p.name !== '' || p.hasDefault) &&
        keys.every((k) => r.params.some((p) => p.name === k)) &&
        r.params.every((p) => p.hasDefault || keys.includes(p.name)),
    )
    if (!candidates.length && method === 'POST') {
      candidates = overloads.filter(singleJson)
      singleUnnamed = candidates.length > 0
    }
  }
  if (candidates.length === 0) throw errors.noFunction(req.schema, name, [...keys].sort(), functionHint(cache, req.schema, name, overloads, keys))
  if (candidates.length > 1) {
    // prefer the overload with the fewest parameters left to defaults
    const best = Math.min(...candidates.map((r) => r.params.length))
    candidates = candidates.filter((r) => r.params.length === best)
    if (candidates.length > 1) {
      throw errors.ambiguousFunction(candidates.map((r) => `${r.schema}.${r.name}(${r.params.map((p) => `${p.name} => ${p.type}`).join(', ')})`))
    }
  }
  const routine = candidates[0]!
  const shape = shapeOf(req, cache, method !== 'POST' || routine.volatility !== 'volatile', CALL_PREFERENCES)
  const range = rootRange(req)
  const plan: CallPlan = {
    kind: 'call',
    ...shape,
    routine,
    args: singleUnnamed ? rawBody ?? 'null' : JSON.stringify(provided),
    singleUnnamed,
    offset: range.offset,
    head: method === 'HEAD',
  }
  if (range.limit !== undefined) plan.limit = range.limit
  const prefs = req.preferences
  if (prefs.maxAffected !== undefined && prefs.handling === 'strict') plan.maxAffected = prefs.maxAffected
  if (routine.returnKind === 'composite') {
    const visited = new Set<string>()
    const node = planNode(cache, resultTable(cache, routine), req.select, nodes, [], visited)
    checkAllNodesUsed(nodes, visited)
    delete node.limit
    if (range.limit !== undefined) node.limit = range.limit
    node.offset = range.offset
    plan.node = node
  }
  return plan
}
