// GET /rest/v1/ → a Swagger 2.0 description of the exposed schema, shaped like PostgREST's:
// one path per table/view and per function, one definition per table.
import type { Column, SchemaCache } from './schema-cache.ts'

function propertyFor(column: Column): Record<string, unknown> {
  const t = column.type.replace(/\(.*\)/, '')
  const isArray = t.endsWith('[]')
  const base = isArray ? t.slice(0, -2) : t
  let schema: Record<string, unknown>
  if (['integer', 'smallint', 'bigint'].includes(base)) schema = { type: 'integer', format: base }
  else if (['numeric', 'real', 'double precision'].includes(base)) schema = { type: 'number', format: base }
  else if (base === 'boolean') schema = { type: 'boolean', format: base }
  else if (base === 'json' || base === 'jsonb') schema = { format: base }
  else schema = { type: 'string', format: column.type }
  if (column.enumValues) schema.enum = column.enumValues
  if (column.description) schema.description = column.description
  if (column.defaultExpr) schema.default = column.defaultExpr
  return isArray ? { type: 'array', items: schema, format: column.type } : schema
}

export function openApi(cache: SchemaCache, schema: string, host: string | undefined): object {
  const paths: Record<string, unknown> = { '/': { get: { produces: ['application/openapi+json', 'application/json'], responses: { 200: { description: 'OK' } }, summary: 'OpenAPI description (this document)', tags: ['Introspection'] } } }
  const definitions: Record<string, unknown> = {}
  for (const table of cache.tables.values()) {
    if (table.schema !== schema || table.kind === 'composite type') continue
    const ref = { $ref: `#/definitions/${table.name}` }
    const ok = { 200: { description: 'OK', schema: { type: 'array', items: ref } }, 206: { description: 'Partial Content' } }
    const ops: Record<string, unknown> = {
      get: { tags: [table.name], summary: table.description ?? undefined, responses: ok },
    }
    if (table.kind === 'table' || table.kind === 'partitioned table' || table.kind === 'view') {
      ops.post = { tags: [table.name], responses: { 201: { description: 'Created' } } }
      ops.patch = { tags: [table.name], responses: { 204: { description: 'No Content' } } }
      ops.delete = { tags: [table.name], responses: { 204: { description: 'No Content' } } }
    }
    paths[`/${table.name}`] = ops
    const properties: Record<string, unknown> = {}
    for (const c of table.columns) {
      const p = propertyFor(c)
      if (table.primaryKey.includes(c.name)) p.description = `${c.description ? `${c.description}\n\n` : ''}Note:\nThis is a Primary Key.<pk/>`
      properties[c.name] = p
    }
    definitions[table.name] = {
      type: 'object',
      required: table.columns.filter((c) => !c.nullable && c.defaultExpr === null && !c.identity && !c.generated).map((c) => c.name),
      properties,
      ...(table.description ? { description: table.description } : {}),
    }
  }
  for (const [, routines] of cache.routines) {
    for (const r of routines) {
      if (r.schema !== schema) continue
      const args = { type: 'object', required: r.params.filter((p) => !p.hasDefault && p.name).map((p) => p.name), properties: Object.fromEntries(r.params.filter((p) => p.name).map((p) => [p.name, { format: p.type, type: 'string' }])) }
      const op = { tags: ['(rpc) ' + r.name], summary: r.description ?? undefined, parameters: [{ in: 'body', name: 'args', required: true, schema: args }], responses: { 200: { description: 'OK' } } }
      paths[`/rpc/${r.name}`] = r.volatility === 'volatile' ? { post: op } : { get: { tags: op.tags, summary: op.summary, responses: op.responses }, post: op }
    }
  }
  return {
    swagger: '2.0',
    info: { title: 'pgStack REST API', description: 'PostgREST-compatible API over the exposed schema', version: '1.0.0' },
    ...(host ? { host } : {}),
    basePath: '/rest/v1',
    schemes: ['http', 'https'],
    consumes: ['application/json', 'application/vnd.pgrst.object+json', 'text/csv'],
    produces: ['application/json', 'application/vnd.pgrst.object+json', 'text/csv'],
    paths,
    definitions,
  }
}
