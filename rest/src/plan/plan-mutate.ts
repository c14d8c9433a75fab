// POST (insert, upsert), PUT (single-row upsert), PATCH and DELETE → MutatePlan. Body columns are
// checked against the schema cache (PGRST204); the body itself goes to PostgreSQL as one parameter.
import { errors } from '../errors.ts'
import { parseCsv } from '../request/parse-csv.ts'
import type { ApiRequest, NodeParams } from '../request/types.ts'
import type { SchemaCache, Table } from '../schema-cache.ts'
import { checkAllNodesUsed, checkColumn, planFilters, planNode, planOrder } from './plan-read.ts'
import { DELETE_PREFERENCES, INSERT_PREFERENCES, PLAIN_INSERT_PREFERENCES, PUT_PREFERENCES, UPDATE_PREFERENCES, shapeOf } from './shape.ts'
import type { MutatePlan, ReadNode } from './types.ts'

export function parseJsonBody(req: ApiRequest): unknown {
  if (req.contentType === 'text/csv') return parseCsv(req.body.toString('utf8'))
  if (req.contentType === 'application/x-www-form-urlencoded') {
    return Object.fromEntries(new URLSearchParams(req.body.toString('utf8')))
  }
  if (req.contentType !== 'application/json' && !req.contentType.endsWith('+json')) throw errors.contentType(req.contentType)
  const text = req.body.toString('utf8')
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw errors.invalidBody('Empty or invalid json')
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function bodyColumns(req: ApiRequest, table: Table, rows: Record<string, unknown>[]): string[] {
  let columns = req.columns
  if (!columns) {
    const first = Object.keys(rows[0] ?? {})
    for (const row of rows) {
      const keys = Object.keys(row)
      if (keys.length !== first.length || !keys.every((k) => first.includes(k))) throw errors.invalidBody('All object keys must match')
    }
    columns = first
  }
  for (const c of columns) if (!table.columnMap.has(c)) throw errors.noColumn(table.name, c)
  return columns
}

export function planMutate(req: ApiRequest, cache: SchemaCache, table: Table): MutatePlan {
  const prefs = req.preferences
  const root = req.nodes.get('') ?? { filters: [] }
  // The representation is a read over the mutated rows: same select tree, root filters excluded.
  const readNodes = new Map<string, NodeParams>(req.nodes)
  readNodes.set('', { filters: [] })
  const visited = new Set<string>()
  const node: ReadNode = planNode(cache, table, req.select, readNodes, [], visited)
  checkAllNodesUsed(readNodes, visited)
  // A resolution needs a conflict target: the primary key or on_conflict (else a plain insert).
  const upsert = req.method === 'POST' && prefs.resolution !== undefined && (table.primaryKey.length > 0 || req.onConflict !== undefined)
  const used = req.method === 'POST' ? (upsert ? INSERT_PREFERENCES : PLAIN_INSERT_PREFERENCES)
    : req.method === 'PUT' ? PUT_PREFERENCES : req.method === 'PATCH' ? UPDATE_PREFERENCES : DELETE_PREFERENCES
  const plan: MutatePlan = {
    kind: 'insert',
    ...shapeOf(req, cache, false, used),
    table,
    columns: [],
    body: '',
    filters: [],
    order: [],
    missingDefault: prefs.missing === 'default',
    returning: prefs.return ?? 'minimal',
    node,
  }
  if (prefs.maxAffected !== undefined && prefs.handling === 'strict' && used.has('max-affected')) plan.maxAffected = prefs.maxAffected

  if (req.method === 'POST' || req.method === 'PUT') {
    const body = parseJsonBody(req)
    const rows = Array.isArray(body) ? body : [body]
    if (!rows.every(isObject)) throw errors.invalidBody('All object keys must match')
    plan.columns = bodyColumns(req, table, rows)
    plan.body = JSON.stringify(rows)
    if (req.method === 'POST') {
      if (upsert) {
        const columns = (req.onConflict ?? table.primaryKey).map((c) => checkColumn(table, c))
        plan.conflict = { columns, action: prefs.resolution === 'merge-duplicates' ? 'merge' : 'ignore' }
      }
      return plan
    }
    // PUT: filters must be exactly `pk=eq.value` for each primary key column. Body rows whose key
    // differs from the URL's are not written; unless exactly one row is, PGRST115.
    if (root.limit !== undefined || root.offset !== undefined) throw errors.putLimit()
    const pk = table.primaryKey
    const eqs = new Map<string, string>()
    for (const f of root.filters) {
      if (f.kind !== 'condition' || f.operator !== 'eq' || f.negated || f.quantifier || f.field.path.length || typeof f.value !== 'string') throw errors.putFilters()
      eqs.set(f.field.name, f.value)
    }
    if (!pk.length || eqs.size !== pk.length || !pk.every((c) => eqs.has(c))) throw errors.putFilters()
    plan.kind = 'upsert-put'
    plan.putKey = pk.map((c) => [c, eqs.get(c)!])
    plan.conflict = { columns: pk, action: 'merge' }
    return plan
  }

  plan.kind = req.method === 'PATCH' ? 'update' : 'delete'
  plan.filters = planFilters(table, root.filters)
  plan.order = planOrder(node, root.order, [])
  // A limited update or delete needs an order to be deterministic (PostgREST's PGRST109).
  if (root.limit !== undefined) {
    if (!plan.order.length) throw errors.limitWithoutOrder()
    plan.limit = root.limit
    if (root.offset) plan.offset = root.offset
  }
  if (req.method === 'PATCH') {
    const parsed = parseJsonBody(req)
    // An array body (PostgREST accepts one): its first object sets the values; [] sets nothing.
    const rows = Array.isArray(parsed) ? parsed : [parsed]
    if (!rows.every(isObject)) throw errors.invalidBody('Empty or invalid json')
    const body = (rows[0] ?? {}) as Record<string, unknown>
    plan.columns = bodyColumns(req, table, rows.length ? rows : [body])
    plan.body = JSON.stringify(body)
  }
  return plan
}
