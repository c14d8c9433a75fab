// Resolves an embed (`select=*,target!hint(*)`) to one foreign-key relationship as PostgREST does:
// many-to-one, one-to-many (one-to-one when the key is unique), many-to-many through a junction
// whose keys cover both foreign keys. None is PGRST200, several is PGRST201.
import { errors } from '../errors.ts'
import { tableKey, type ForeignKey, type SchemaCache, type Table } from '../schema-cache.ts'
import type { Relationship } from './types.ts'

const sameTable = (fkSchema: string, fkTable: string, t: Table) => fkSchema === t.schema && fkTable === t.name
const zip = (a: string[], b: string[]): [string, string][] => a.map((x, i) => [x, b[i]!])
const isUnique = (table: Table, columns: string[]) =>
  table.uniqueKeys.some((key) => key.length === columns.length && key.every((c) => columns.includes(c)))
const covered = (table: Table, columns: string[]) =>
  table.uniqueKeys.some((key) => columns.every((c) => key.includes(c)))

function between(cache: SchemaCache, source: Table, target: Table): Relationship[] {
  const rels: Relationship[] = []
  for (const fk of cache.foreignKeys) {
    if (sameTable(fk.schema, fk.table, source) && sameTable(fk.refSchema, fk.refTable, target)) {
      rels.push({ kind: 'many-to-one', constraint: fk.name, source, target, pairs: zip(fk.columns, fk.refColumns) })
    }
    if (sameTable(fk.schema, fk.table, target) && sameTable(fk.refSchema, fk.refTable, source)) {
      rels.push({
        kind: isUnique(target, fk.columns) ? 'one-to-one' : 'one-to-many',
        constraint: fk.name,
        source,
        target,
        pairs: zip(fk.refColumns, fk.columns),
      })
    }
  }
  // many-to-many through junctions
  const bySource = new Map<string, ForeignKey[]>()
  for (const fk of cache.foreignKeys) {
    if (sameTable(fk.refSchema, fk.refTable, source)) {
      const key = tableKey(fk.schema, fk.table)
      bySource.set(key, [...(bySource.get(key) ?? []), fk])
    }
  }
  for (const [key, sourceFks] of bySource) {
    const junction = cache.tables.get(key)
    if (!junction || junction === source || junction === target) continue
    for (const targetFk of cache.foreignKeys) {
      if (tableKey(targetFk.schema, targetFk.table) !== key || !sameTable(targetFk.refSchema, targetFk.refTable, target)) continue
      for (const sourceFk of sourceFks) {
        if (sourceFk === targetFk) continue
        if (!covered(junction, [...sourceFk.columns, ...targetFk.columns])) continue
        rels.push({ kind: 'many-to-many', source, target, junction, sourceFk, targetFk })
      }
    }
  }
  return rels
}

function matchesHint(rel: Relationship, hint: string): boolean {
  if (rel.kind === 'many-to-many') {
    return rel.junction.name === hint || rel.sourceFk.name === hint || rel.targetFk.name === hint
  }
  return rel.constraint === hint || rel.pairs.some(([s, t]) => s === hint || t === hint)
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
  let candidates: Relationship[] = []
  const target = cache.tables.get(tableKey(source.schema, name))
  if (target && target.kind !== 'composite type') {
    candidates = between(cache, source, target)
  } else {
    // `select=*,fk_column(*)` or `select=*,fk_constraint(*)`: the many-to-one through that key.
    for (const fk of cache.foreignKeys) {
      if (!sameTable(fk.schema, fk.table, source)) continue
      if (fk.name !== name && !(fk.columns.length === 1 && fk.columns[0] === name)) continue
      const ref = cache.tables.get(tableKey(fk.refSchema, fk.refTable))
      if (ref) candidates.push({ kind: 'many-to-one', constraint: fk.name, source, target: ref, pairs: zip(fk.columns, fk.refColumns) })
    }
  }
  if (hint !== undefined) candidates = candidates.filter((rel) => matchesHint(rel, hint))
  if (candidates.length === 1) return candidates[0]!
  if (candidates.length === 0) throw errors.noRelationship(source.name, name, hint, source.schema)
  throw errors.ambiguousRelationship(
    source.name,
    name,
    candidates.map(describe),
    `Try changing '${name}' to one of the following: ${candidates.map((r) => `'${name}!${hintName(r)}'`).join(', ')}. Find the desired relationship in the 'details' key.`,
  )
}

export const isToOne = (rel: Relationship) => rel.kind === 'many-to-one' || rel.kind === 'one-to-one'
