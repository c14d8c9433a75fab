// Renders a Catalog as TypeScript in the shape of Supabase's generated `Database` type (Tables and
// Views with Row/Insert/Update/Relationships, Functions with Args/Returns, Enums, CompositeTypes,
// the Tables<>/TablesInsert<>/TablesUpdate<>/Enums<> helpers), so that createClient<Database>()
// of @pgstack/sdk and of supabase-js type-check; then the named live queries and their rows.
import type { Catalog, Column, FunctionDef, Relation, TypeRef } from './catalog.ts'

const NUMBER = new Set(['int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'oid'])
const STRING = new Set([
  'text', 'varchar', 'bpchar', 'char', 'name', 'citext', 'uuid', 'date', 'time', 'timetz', 'timestamp', 'timestamptz',
  'interval', 'bytea', 'inet', 'cidr', 'macaddr', 'macaddr8', 'money', 'tsvector', 'tsquery', 'xml', 'bit', 'varbit', 'regclass', 'regtype', 'regproc', 'vector',
])

const quote = (name: string) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name))
const indent = (text: string, by: string) => text.split('\n').map((line) => (line ? by + line : line)).join('\n')

export function renderTypes(catalog: Catalog, schemas: string[]): string {
  const included = new Set(schemas)
  const enumNames = new Set(catalog.enums.map((e) => `${e.schema}.${e.name}`))
  const compositeNames = new Set(catalog.composites.map((c) => `${c.schema}.${c.name}`))

  const tsType = (type: TypeRef): string => {
    if (type.element) {
      const inner = tsType(type.element)
      return /[ |]/.test(inner) ? `(${inner})[]` : `${inner}[]`
    }
    if (type.kind === 'e') return enumNames.has(`${type.schema}.${type.name}`) ? `Database[${JSON.stringify(type.schema)}]["Enums"][${JSON.stringify(type.name)}]` : 'string'
    if (type.kind === 'c' && compositeNames.has(`${type.schema}.${type.name}`)) {
      return `Database[${JSON.stringify(type.schema)}]["CompositeTypes"][${JSON.stringify(type.name)}]`
    }
    // a table's or view's row type (RETURNS SETOF books): its Row
    const relation = type.kind === 'c' && included.has(type.schema) && catalog.relations.find((r) => r.schema === type.schema && r.name === type.name)
    if (relation) return `Database[${JSON.stringify(type.schema)}][${JSON.stringify(relation.kind === 'table' ? 'Tables' : 'Views')}][${JSON.stringify(type.name)}]["Row"]`
    if (type.name === 'bool') return 'boolean'
    if (NUMBER.has(type.name)) return 'number'
    if (STRING.has(type.name) || type.kind === 'r' || type.kind === 'm') return 'string'
    if (type.name === 'json' || type.name === 'jsonb') return 'Json'
    if (type.name === 'void') return 'undefined'
    if (type.name === 'record') return 'Record<string, unknown>'
    return 'unknown'
  }
  const field = (name: string, type: string, optional = false) => `${quote(name)}${optional ? '?' : ''}: ${type}`
  const nullable = (column: { type: TypeRef; nullable: boolean }) => `${tsType(column.type)}${column.nullable ? ' | null' : ''}`
  const object = (fields: string[]) => (fields.length ? `{\n${indent(fields.join('\n'), '  ')}\n}` : '{\n  [_ in never]: never\n}')

  const relationBlock = (relation: Relation) => {
    const row = relation.columns.map((c) => field(c.name, nullable(c)))
    const writable = (c: Column) => (c.generated ? 'never' : nullable(c))
    const blocks = [`Row: ${object(row)}`]
    if (relation.kind === 'table' || relation.insertable) {
      blocks.push(`Insert: ${object(relation.columns.map((c) => field(c.name, writable(c), c.generated || c.nullable || c.hasDefault || relation.kind === 'view')))}`)
    }
    if (relation.kind === 'table' || relation.updatable) {
      blocks.push(`Update: ${object(relation.columns.map((c) => field(c.name, writable(c), true)))}`)
    }
    const rels = relation.relationships
      .filter((r) => included.has(r.referencedSchema))
      .map((r) =>
        object([
          field('foreignKeyName', JSON.stringify(r.foreignKeyName)),
          field('columns', `[${r.columns.map((c) => JSON.stringify(c)).join(', ')}]`),
          field('isOneToOne', String(r.isOneToOne)),
          field('referencedRelation', JSON.stringify(r.referencedRelation)),
          field('referencedColumns', `[${r.referencedColumns.map((c) => JSON.stringify(c)).join(', ')}]`),
        ]),
      )
    blocks.push(`Relationships: ${rels.length ? `[\n${indent(rels.join(',\n'), '  ')}\n]` : '[]'}`)
    return `${quote(relation.name)}: {\n${indent(blocks.join('\n'), '  ')}\n}`
  }

  const functionVariant = (fn: FunctionDef) => {
    const args = fn.args.filter((a) => a.name !== '')
    const argsType = args.length ? object(args.map((a) => field(a.name, tsType(a.type), a.optional))) : 'Record<PropertyKey, never>'
    let returns: string
    if (fn.returnsColumns?.length) returns = object(fn.returnsColumns.map((c) => field(c.name, tsType(c.type))))
    else returns = tsType(fn.returns)
    if (fn.returnsSet) returns = /[ |{]/.test(returns) && !returns.startsWith('{') ? `(${returns})[]` : `${returns}[]`
    return `{\n  Args: ${indent(argsType, '  ').trimStart()}\n  Returns: ${indent(returns, '  ').trimStart()}\n}`
  }

  const schemaBlock = (schema: string) => {
    const relations = catalog.relations.filter((r) => r.schema === schema)
    const tables = relations.filter((r) => r.kind === 'table').map(relationBlock)
    const views = relations.filter((r) => r.kind === 'view').map(relationBlock)
    const byName = new Map<string, FunctionDef[]>()
    for (const fn of catalog.functions.filter((f) => f.schema === schema)) byName.set(fn.name, [...(byName.get(fn.name) ?? []), fn])
    const functions = [...byName].map(([name, variants]) => `${quote(name)}: ${variants.map(functionVariant).join(' | ')}`)
    const enums = catalog.enums.filter((e) => e.schema === schema).map((e) => field(e.name, e.labels.map((l) => JSON.stringify(l)).join(' | ') || 'never'))
    const composites = catalog.composites
      .filter((c) => c.schema === schema)
      .map((c) => `${quote(c.name)}: ${object(c.attributes.map((a) => field(a.name, `${tsType(a.type)} | null`)))}`)
    const section = (name: string, entries: string[]) => `${name}: ${object(entries)}`
    return `${quote(schema)}: {\n${indent(
      [section('Tables', tables), section('Views', views), section('Functions', functions), section('Enums', enums), section('CompositeTypes', composites)].join('\n'),
      '  ',
    )}\n}`
  }

  const constants = schemas.map((schema) => {
    const enums = catalog.enums.filter((e) => e.schema === schema).map((e) => `${quote(e.name)}: [${e.labels.map((l) => JSON.stringify(l)).join(', ')}]`)
    return `${quote(schema)}: {\n  Enums: ${enums.length ? `{\n${indent(enums.join(',\n'), '    ')}\n  }` : '{}'}\n}`
  })

  const live = catalog.liveQueries.map((q) =>
    `${quote(q.name)}: {\n  Params: [${q.params.map((p) => `${tsType(p)} | null`).join(', ')}]\n  Row: ${indent(object(q.columns.map((c) => field(c.name, nullable(c)))), '  ').trimStart()}\n}`,
  )

  return `${HEADER}
export type Json = string | number | boolean | null | { [key: string]: Json | undefined } | Json[]

export type Database = {
${indent(schemas.map(schemaBlock).join('\n'), '  ')}
}

${HELPERS.replaceAll('DEFAULT_SCHEMA', JSON.stringify(schemas[0]))}
export const Constants = {
${indent(constants.join(',\n'), '  ')}
} as const

/** The named live queries (live/*.sql, pgr.define): parameters and row type of each. */
export type LiveQueries = {
${indent(live.length ? live.join('\n') : '[_ in never]: never', '  ')}
}

/** The row type of a named live query: pgstack.live<LiveQueryRow<'active_todos'>>('active_todos', …). */
export type LiveQueryRow<Name extends keyof LiveQueries> = LiveQueries[Name]['Row']
`
}

const HEADER = `// Generated by \`pgstack gen types\` from the database catalog. Do not edit: run it again after a migration.`

// The helper types Supabase's generator emits, so code written against those keeps compiling.
const HELPERS = `type DefaultSchema = Database[DEFAULT_SCHEMA]

export type Tables<
  T extends keyof (DefaultSchema['Tables'] & DefaultSchema['Views']) | { schema: keyof Database },
  N extends T extends { schema: keyof Database } ? keyof (Database[T['schema']]['Tables'] & Database[T['schema']]['Views']) : never = never,
> = T extends { schema: keyof Database }
  ? (Database[T['schema']]['Tables'] & Database[T['schema']]['Views'])[N] extends { Row: infer R } ? R : never
  : T extends keyof (DefaultSchema['Tables'] & DefaultSchema['Views'])
    ? (DefaultSchema['Tables'] & DefaultSchema['Views'])[T] extends { Row: infer R } ? R : never
    : never

export type TablesInsert<
  T extends keyof DefaultSchema['Tables'] | { schema: keyof Database },
  N extends T extends { schema: keyof Database } ? keyof Database[T['schema']]['Tables'] : never = never,
> = T extends { schema: keyof Database }
  ? Database[T['schema']]['Tables'][N] extends { Insert: infer I } ? I : never
  : T extends keyof DefaultSchema['Tables'] ? (DefaultSchema['Tables'][T] extends { Insert: infer I } ? I : never) : never

export type TablesUpdate<
  T extends keyof DefaultSchema['Tables'] | { schema: keyof Database },
  N extends T extends { schema: keyof Database } ? keyof Database[T['schema']]['Tables'] : never = never,
> = T extends { schema: keyof Database }
  ? Database[T['schema']]['Tables'][N] extends { Update: infer U } ? U : never
  : T extends keyof DefaultSchema['Tables'] ? (DefaultSchema['Tables'][T] extends { Update: infer U } ? U : never) : never

export type Enums<
  T extends keyof DefaultSchema['Enums'] | { schema: keyof Database },
  N extends T extends { schema: keyof Database } ? keyof Database[T['schema']]['Enums'] : never = never,
> = T extends { schema: keyof Database } ? Database[T['schema']]['Enums'][N] : T extends keyof DefaultSchema['Enums'] ? DefaultSchema['Enums'][T] : never

export type CompositeTypes<
  T extends keyof DefaultSchema['CompositeTypes'] | { schema: keyof Database },
  N extends T extends { schema: keyof Database } ? keyof Database[T['schema']]['CompositeTypes'] : never = never,
> = T extends { schema: keyof Database }
  ? Database[T['schema']]['CompositeTypes'][N]
  : T extends keyof DefaultSchema['CompositeTypes'] ? DefaultSchema['CompositeTypes'][T] : never
`
