// A query-builder live query (`from('todos').select(…).eq(…).live()`) compiled by the same stages
// as GET /rest/v1: parse → plan (schema cache checks) → SQL. The result is a plain row-returning
// SELECT with bound parameters, for pg_reactive's subscribe_sql; embeds are json columns.
import { prepareValue } from 'pg/lib/utils.js'
import { planNode, checkAllNodesUsed } from './plan/plan-read.ts'
import { findTable } from './plan/plan-request.ts'
import { parseRequest } from './request/parse-request.ts'
import type { SchemaCache } from './schema-cache.ts'
import { buildSelect, outputNames } from './sql/build-read.ts'
import { Aliases, Params, qualify } from './sql/fragments.ts'

export interface LiveRead {
  sql: string
  /** One per `$n`, as pg_reactive takes them (text input of the parameter's type, or a number). */
  params: unknown[]
  /** Output column names, in order. */
  columns: string[]
  /** The table's primary key, when every one of its columns is selected as itself. */
  key?: string[]
}

/** Throws ApiError (PGRST100 bad query, PGRST106 schema, PGRST205 unknown table, 42703 column…). */
export function compileLiveRead(cache: SchemaCache, schemas: readonly string[], relation: string, schema: string | null, query: string): LiveRead {
  const headers: Record<string, string> = schema === null ? {} : { 'accept-profile': schema }
  const req = parseRequest({ method: 'GET', routePath: `/${encodeURIComponent(relation)}`, query, headers, body: Buffer.alloc(0) }, schemas)
  const table = findTable(cache, req.schema, relation)
  const visited = new Set<string>()
  const node = planNode(cache, table, req.select, req.nodes, [], visited)
  checkAllNodesUsed(req.nodes, visited)
  const params = new Params()
  const from = qualify(table.schema, table.name)
  const sql = buildSelect(node, from, from, { params, aliases: new Aliases() })
  const plain = new Set(node.select.flatMap((item) => (item.kind === 'column' && !item.path.length && !item.cast && !item.computed && item.as === item.column ? [item.column] : [])))
  const read: LiveRead = {
    sql,
    // arrays (`in.(…)`) as PostgreSQL array literals, the rest as node-postgres would send them
    params: params.values.map((v) => (v === null || typeof v === 'number' || typeof v === 'boolean' ? v : prepareValue(v))),
    columns: outputNames(node),
  }
  if (table.primaryKey.length && table.primaryKey.every((c) => plain.has(c))) read.key = [...table.primaryKey]
  return read
}
