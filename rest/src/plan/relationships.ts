// Resolves an embed (`select=*,target!hint(*)`) to one foreign-key relationship by PostgREST's
// rules: the relationships of the origin table (many-to-one, one-to-many, one-to-one when the key
// is unique, many-to-many through a junction whose primary key covers both foreign keys) filtered
// by the target (a table, a constraint or a column) and the hint. None is PGRST200, several PGRST201.
import { errors } from '../errors.ts'
import { tableKey, type ForeignKey, type SchemaCache, type Table } from '../schema-cache.ts'
import type { Relationship } from './types.ts'

const sameTable = (fkSchema: string, fkTable: string, t: Table) => fkSchema === t.schema && fkTable === t.name
const zip = (a: string[], b: string[]): [string, string][] => a.map((x, i) => [x, b[i]!])
const isUnique = (table: Table, columns: string[]) =>
  table.uniqueKeys.some((key) => key.length === columns.length && key.every((c) => columns.includes(c)))
const isView = (t: Table) => t.kind === 'view' || t.kind === 'materialized view'

/** Every relationship from `source` to a table of the cache (the cache's foreign keys, both ways). */
export function relationshipsFrom(cache: SchemaCache, source: Table): Relationship[] {
  const rels: Relationship[] = []
  const table = (schema: string, name: string) => {
    const t = cache.tables.get(tableKey(schema, name))
    return t && t.kind !== 'composite type' ? t : undefined
  }
  const byJunction = new Map<string, ForeignKey[]>()
  for (const fk of cacheForeignKeys(cache, source)) {
    if (sameTable(fk.schema, fk.table, source)) {
      const target = table(fk.refSchema, fk.refTable)
      if (target) {
        const kind = isUnique(source, fk.columns) ? 'one-to-one' : 'many-to-one'
        rels.push({ kind, constraint: fk.name, source, target, pairs: zip(fk.columns, fk.refColumns) })
      }
    }
    if (sameTable(fk.refSchema, fk.refTable, source)) {
      const target = table(fk.schema, fk.table)
      if (target) {
        const kind = isUnique(target, fk.columns) ? 'one-to-one' : 'one-to-many'
        rels.push({ kind, constraint: fk.name, source, target, pairs: zip(fk.refColumns, fk.columns) })
        const key = tableKey(fk.schema, fk.table)
        byJunction.set(key, [...(byJunction.get(key) ?? []), fk])
      }
    }
  }
  // many-to-many: a junction with a foreign key to the source and another to the target, both
  // within the junction's primary key.
  for (const [key, sourceFks] of byJunction) {
    const junction = cache.tables.get(key)
    if (!junction || junction === source) continue
    const pk = new Set(junction.primaryKey)
    for (const targetFk of cacheForeignKeys(cache, junction)) {
      if (!sameTable(targetFk.schema, targetFk.table, junction)) continue
      const target = table(targetFk.refSchema, targetFk.refTable)
      if (!target || target === junction) continue
      for (const sourceFk of sourceFks) {
        if (sourceFk === targetFk || sourceFk.name === targetFk.name) continue
        if (![...sourceFk.columns, ...targetFk.columns].every((c) => pk.has(c))) continue
        rels.push({ kind: 'many-to-many', source, target, junction, sourceFk, targetFk })
      }
    }
  }
  return rels
}

/** The foreign keys that start or end at `table`. */
function cacheForeignKeys(cache: SchemaCache, table: Table): ForeignKey[] {
  const key = tableKey(table.schema, table.name)
  return cache.foreignKeysByTable.get(key) ?? []
}

/** The origin-side column of a single-column relationship. */
const singleColumn = (rel: Relationship) => (rel.kind !== 'many-to-many' && rel.pairs.length === 1 ? rel.pairs[0]![0] : undefined)
/** The target-side column of a single-column relationship. */
const singleRefColumn = (rel: Relationship) => (rel.kind !== 'many-to-many' && rel.pairs.length === 1 ? rel.pairs[0]![1] : undefined)
const constraintOf = (rel: Relationship) => (rel.kind === 'many-to-many' ? undefined : rel.constraint)

/** PostgREST's embedding rules for `target` and `hint` among one origin's relationships. */
function matches(rel: Relationship, target: string, hint: string | undefined): boolean {
  if (rel.target === rel.source) {
    // A self-reference has one key but two relationships: by convention the table name (and a
    // hint naming the key column) is the one-to-many side, the key column as target the parent.
    if (hint === undefined) {
      return (target === rel.target.name && rel.kind === 'one-to-many') || (singleColumn(rel) === target && rel.kind === 'many-to-one')
    }
    return target === rel.target.name && rel.kind === 'one-to-many' && singleRefColumn(rel) === hint
  }
  if (hint === undefined) {
    if (target === rel.target.name) return true
    if (isView(rel.target)) return false
    return constraintOf(rel) === target || singleColumn(rel) === target
  }
  if (target !== rel.target.name) return false
  if (rel.kind === 'many-to-many') return rel.junction.name === hint
  return rel.constraint === hint || singleColumn(rel) === hint || singleRefColumn(rel) === hint
}

function describe(rel: Relationship): object {
  const cols = (c: string[]) => `(${c.join(', ')})`
  if (rel.kind === 'many-to-many') {
    return {
      cardinality: 'many-to-many',
      embedding: `${rel.source.name} with ${rel.target.name}`,
      relationship: `${rel.junction.name} using ${rel.sourceFk.name}${cols(rel.sourceFk.columns)} and ${rel.targetFk.name}${cols(rel.targetFk.columns)}`,
    }
  }
  return {
    cardinality: rel.kind,
    embedding: `${rel.source.name} with ${rel.target.name}`,
    relationship: `${rel.constraint} using ${rel.source.name}${cols(rel.pairs.map((p) => p[0]))} and ${rel.target.name}${cols(rel.pairs.map((p) => p[1]))}`,
  }
}

const hintName = (rel: Relationship) => (rel.kind === 'many-to-many' ? rel.junction.name : rel.constraint)

export function findRelationship(cache: SchemaCache, source: Table, name: string, hint: string | undefined): Relationship {
  const candidates = relationshipsFrom(cache, source).filter((rel) => matches(rel, name, hint))
  if (candidates.length === 1) return candidates[0]!
  if (candidates.length === 0) throw errors.noRelationship(source.name, name, hint, source.schema)
  throw errors.ambiguousRelationship(
    source.name,
    name,
    candidates.map(describe),
    `Try changing '${name}' to one of the following: ${candidates.map((r) => `'${r.target.name}!${hintName(r)}'`).join(', ')}. Find the desired relationship in the 'details' key.`,
  )
}

export const isToOne = (rel: Relationship) => rel.kind === 'many-to-one' || rel.kind === 'one-to-one'
