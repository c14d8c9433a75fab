// The schema cache: tables, views, columns, keys, foreign keys and functions of the exposed
// schemas, read from the catalogs. Plans are checked against it; it never runs a request's SQL.
// A cache is an immutable value: a reload builds a new one (sharing what did not change) and the
// owner swaps it in, so a request keeps a consistent cache from start to end. A full load reads
// every relation; an incremental one only the relations a DDL notification names.
import type pg from 'pg'
import {
  FKS_SQL, RESOLVE_SQL, ROUTINES_SQL, TABLES_SQL, VIEW_DEPS_SQL, toForeignKey, toRoutine, toTable,
  type ForeignKeyRow, type RoutineRow, type TableRow, type ViewDepRow,
} from './schema-queries.ts'

export interface Column {
  name: string
  /** format_type() output, safe to splice into SQL as a type. */
  type: string
  nullable: boolean
  /** Default expression from the catalog, or null. */
  defaultExpr: string | null
  generated: boolean
  identity: boolean
  description: string | null
  enumValues: string[] | null
}

export interface Table {
  /** pg_class oid. */
  oid: number
  schema: string
  name: string
  kind: 'table' | 'view' | 'materialized view' | 'foreign table' | 'partitioned table' | 'composite type'
  columns: Column[]
  columnMap: Map<string, Column>
  primaryKey: string[]
  /** Primary key and every unique constraint/index, as column lists. */
  uniqueKeys: string[][]
  description: string | null
  /** Computed fields: functions taking this table's row and returning one value. */
  computed?: Map<string, Routine>
  /** The keys the catalog declares (a view's keys above are inferred from its base tables). */
  catalogKeys: { primaryKey: string[]; uniqueKeys: string[][] }
  /** The table's unique indexes, so that a dropped one is traced back to it. */
  indexOids: number[]
}

export interface ForeignKey {
  name: string
  schema: string
  table: string
  columns: string[]
  refSchema: string
  refTable: string
  refColumns: string[]
}

export interface RoutineParam {
  name: string
  type: string
  hasDefault: boolean
}

export interface Routine {
  schema: string
  name: string
  params: RoutineParam[]
  returnType: string
  returnsSet: boolean
  /** 'composite' when it returns rows of a table type or OUT/TABLE columns. */
  returnKind: 'scalar' | 'composite' | 'void'
  /** The table whose row type is returned, for embedding. */
  returnTable?: { schema: string; name: string }
  /** OUT/TABLE columns when the return type is `record`. */
  outColumns: { name: string; type: string }[]
  volatility: 'immutable' | 'stable' | 'volatile'
  description: string | null
  /** The table whose row type is the only parameter (a computed field). */
  rowArg?: { schema: string; name: string }
}

export interface SchemaCache {
  schemas: string[]
  tables: Map<string, Table>
  /** Table keys by oid, and the table oid of each unique index. */
  byOid: Map<number, string>
  indexOwner: Map<number, number>
  /** What each view reads from its base tables, for the keys it inherits. */
  viewDeps: ViewDepRow[]
  /** The catalog's foreign keys; `foreignKeys` adds those inferred for views. */
  catalogForeignKeys: ForeignKey[]
  foreignKeys: ForeignKey[]
  /** The foreign keys starting or ending at each table (tableKey), for relationship lookups. */
  foreignKeysByTable: Map<string, ForeignKey[]>
  routines: Map<string, Routine[]>
  /** Time zone names PostgreSQL accepts, for `Prefer: timezone=`. */
  timezones: Set<string>
  loadedAt: number
}

export const tableKey = (schema: string, name: string) => `${schema}\u0000${name}`

/** `timezones`: the previous load's list (reading pg_timezone_names costs ~100 ms; it never changes). */
export async function loadSchemaCache(pool: pg.Pool, schemas: string[], timezones?: Set<string>): Promise<SchemaCache> {
  return inSnapshot(pool, async (client) => {
    timezones ??= new Set((await client.query<{ name: string }>('SELECT name FROM pg_timezone_names')).rows.map((r) => r.name))
    const tables = await client.query<TableRow>(TABLES_SQL, [schemas, null])
    const fks = await client.query<ForeignKeyRow>(FKS_SQL, [schemas, null])
    const routines = await client.query<RoutineRow>(ROUTINES_SQL, [schemas])
    const viewDeps = await client.query<ViewDepRow>(VIEW_DEPS_SQL, [schemas, null])
    const tableMap = new Map<string, Table>()
    for (const row of tables.rows) {
      const table = toTable(row)
      tableMap.set(tableKey(table.schema, table.name), table)
    }
    return assemble(schemas, tableMap, fks.rows.map(toForeignKey), routines.rows.map(toRoutine), viewDeps.rows, timezones)
  })
}

/**
 * Runs the catalog reads of one load in one REPEATABLE READ READ ONLY transaction, so that they
 * all see one snapshot: separate statements each saw the catalogs as they were at their own
 * start, and a reload running while DDL committed could take the tables from before the commit
 * and the functions or foreign keys from after it (a function of the fixture found, its table
 * "not in the schema cache").
 */
async function inSnapshot<T>(pool: pg.Pool, read: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
    const result = await read(client)
    await client.query('COMMIT')
    return result
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError))
    throw error
  } finally {
    client.release(broken)
  }
}

/**
 * A new cache from `previous` and the relations `changes` name (created, altered, dropped, or an
 * index of theirs): only those relations and their foreign keys are read again; functions only
 * when they changed. Everything else is shared with `previous`.
 */
export async function applySchemaChanges(pool: pg.Pool, previous: SchemaCache, changes: { relations: Set<number>; functions: boolean }): Promise<SchemaCache> {
  const schemas = previous.schemas
  const named = [...changes.relations]
  const { affected, tables, fks, routines, viewDeps } = await inSnapshot(pool, async (client) => {
    const existing = (await client.query<{ oid: string }>(RESOLVE_SQL, [named])).rows.map((r) => Number(r.oid))
    // What no longer exists was either one of our relations (now dropped) or an index of one.
    const gone = named.filter((oid) => !existing.includes(oid)).map((oid) => previous.indexOwner.get(oid) ?? oid)
    const affected = [...new Set([...existing, ...gone])]
    return {
      affected,
      tables: (await client.query<TableRow>(TABLES_SQL, [schemas, affected])).rows,
      fks: (await client.query<ForeignKeyRow>(FKS_SQL, [schemas, affected])).rows,
      routines: changes.functions ? (await client.query<RoutineRow>(ROUTINES_SQL, [schemas])).rows.map(toRoutine) : [...previous.routines.values()].flat(),
      viewDeps: (await client.query<ViewDepRow>(VIEW_DEPS_SQL, [schemas, affected])).rows,
    }
  })
  const tableMap = new Map(previous.tables)
  const replaced = new Set<string>()
  for (const oid of affected) {
    const key = previous.byOid.get(oid)
    if (key !== undefined) {
      tableMap.delete(key)
      replaced.add(key)
    }
  }
  for (const row of tables) {
    const table = toTable(row)
    const key = tableKey(table.schema, table.name)
    tableMap.set(key, table)
    replaced.add(key)
  }
  const kept = previous.catalogForeignKeys.filter((fk) => !replaced.has(tableKey(fk.schema, fk.table)) && !replaced.has(tableKey(fk.refSchema, fk.refTable)))
  // Views read again (changed, or reading a changed relation) replace their old dependencies.
  const reread = new Set([...replaced, ...viewDeps.map((d) => tableKey(d.view_schema, d.view_name))])
  const deps = [...previous.viewDeps.filter((d) => !reread.has(tableKey(d.view_schema, d.view_name)) && !replaced.has(tableKey(d.table_schema, d.table_name))), ...viewDeps]
  return assemble(schemas, tableMap, [...kept, ...fks.map(toForeignKey)], routines, deps, previous.timezones)
}

/**
 * The derived parts of a cache, computed afresh from the catalog parts: each table copied (its
 * catalog keys restored), the keys and foreign keys views inherit, computed fields, the indexes.
 */
function assemble(schemas: string[], catalogTables: Map<string, Table>, catalogForeignKeys: ForeignKey[], routines: Routine[], viewDeps: ViewDepRow[], timezones: Set<string>): SchemaCache {
  const tables = new Map<string, Table>()
  const byOid = new Map<number, string>()
  const indexOwner = new Map<number, number>()
  for (const [key, t] of catalogTables) {
    const copy: Table = { ...t, primaryKey: t.catalogKeys.primaryKey, uniqueKeys: [...t.catalogKeys.uniqueKeys] }
    delete copy.computed
    tables.set(key, copy)
    byOid.set(t.oid, key)
    for (const index of t.indexOids) indexOwner.set(index, t.oid)
  }
  const cache: SchemaCache = {
    schemas, tables, byOid, indexOwner, viewDeps, catalogForeignKeys, foreignKeys: [...catalogForeignKeys], foreignKeysByTable: new Map(),
    routines: new Map(), timezones, loadedAt: Date.now(),
  }
  inferViewKeys(cache, viewDeps.map((r) => ({ view: tableKey(r.view_schema, r.view_name), table: tableKey(r.table_schema, r.table_name), columns: r.columns })))
  cache.foreignKeysByTable = indexForeignKeys(cache.foreignKeys)
  for (const routine of routines) {
    const key = tableKey(routine.schema, routine.name)
    const list = cache.routines.get(key)
    if (list) list.push(routine)
    else cache.routines.set(key, [routine])
    const owner = routine.rowArg && tables.get(tableKey(routine.rowArg.schema, routine.rowArg.name))
    if (owner && !routine.returnsSet && routine.returnKind === 'scalar' && !owner.columnMap.has(routine.name)) {
      ;(owner.computed ??= new Map()).set(routine.name, routine)
    }
  }
  return cache
}

/** Each foreign key under the table it starts at and the table it ends at. */
export function indexForeignKeys(fks: ForeignKey[]): Map<string, ForeignKey[]> {
  const index = new Map<string, ForeignKey[]>()
  const add = (key: string, fk: ForeignKey) => {
    const list = index.get(key)
    if (list) list.push(fk)
    else index.set(key, [fk])
  }
  for (const fk of fks) {
    const from = tableKey(fk.schema, fk.table)
    const to = tableKey(fk.refSchema, fk.refTable)
    add(from, fk)
    if (to !== from) add(to, fk)
  }
  return index
}

/**
 * Views get the keys and foreign keys of the tables they read, as PostgREST infers them, for the
 * common case of a view column that keeps its base column's name. A name read from two base
 * tables is ambiguous and maps to neither.
 */
function inferViewKeys(cache: SchemaCache, deps: { view: string; table: string; columns: string[] }[]): void {
  const byView = new Map<string, { table: string; columns: string[] }[]>()
  for (const d of deps) {
    const list = byView.get(d.view)
    if (list) list.push(d)
    else byView.set(d.view, [d])
  }
  // base table → the views exposing some of its columns under the same names (and which)
  const exposedBy = new Map<string, { view: Table; columns: Set<string> }[]>()
  for (const [viewKey, list] of byView) {
    const view = cache.tables.get(viewKey)
    if (!view) continue
    const count = new Map<string, number>()
    for (const d of list) for (const c of d.columns) count.set(c, (count.get(c) ?? 0) + 1)
    for (const d of list) {
      const cols = new Set(d.columns.filter((c) => count.get(c) === 1 && view.columnMap.has(c)))
      const views = exposedBy.get(d.table)
      if (views) views.push({ view, columns: cols })
      else exposedBy.set(d.table, [{ view, columns: cols }])
      const base = cache.tables.get(d.table)
      if (!base || list.length > 1) continue // keys stay unique only over a single base table
      for (const key of base.uniqueKeys) if (key.every((c) => cols.has(c))) view.uniqueKeys.push(key)
      if (!view.primaryKey.length && base.primaryKey.length && base.primaryKey.every((c) => cols.has(c))) view.primaryKey = base.primaryKey
    }
  }
  const viewsOf = (table: string, columns: string[]): Table[] =>
    (exposedBy.get(table) ?? []).filter((v) => columns.every((c) => v.columns.has(c))).map((v) => v.view)
  const inferred: ForeignKey[] = []
  for (const fk of cache.foreignKeys) {
    const fromViews = viewsOf(tableKey(fk.schema, fk.table), fk.columns)
    const toViews = viewsOf(tableKey(fk.refSchema, fk.refTable), fk.refColumns)
    if (!fromViews.length && !toViews.length) continue
    const from = [{ schema: fk.schema, name: fk.table }, ...fromViews]
    const to = [{ schema: fk.refSchema, name: fk.refTable }, ...toViews]
    for (const f of from) {
      for (const t of to) {
        if (f.name === fk.table && f.schema === fk.schema && t.name === fk.refTable && t.schema === fk.refSchema) continue
        inferred.push({ ...fk, schema: f.schema, table: f.name, refSchema: t.schema, refTable: t.name })
      }
    }
  }
  cache.foreignKeys.push(...inferred)
}
