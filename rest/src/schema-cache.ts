// The schema cache: tables, views, columns, keys, foreign keys and functions of the exposed
// schemas, read from the catalogs in one round of queries. Plans are checked against it; it never
// runs a request's SQL.
import type pg from 'pg'

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
  foreignKeys: ForeignKey[]
  /** The foreign keys starting or ending at each table (tableKey), for relationship lookups. */
  foreignKeysByTable: Map<string, ForeignKey[]>
  routines: Map<string, Routine[]>
  /** Time zone names PostgreSQL accepts, for `Prefer: timezone=`. */
  timezones: Set<string>
  loadedAt: number
}

export const tableKey = (schema: string, name: string) => `${schema}\u0000${name}`

const KINDS: Record<string, Table['kind']> = {
  r: 'table', v: 'view', m: 'materialized view', f: 'foreign table', p: 'partitioned table', c: 'composite type',
}

const TABLES_SQL = `
SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind, obj_description(c.oid, 'pg_class') AS description,
  COALESCE((
    SELECT json_agg(json_build_object(
      'name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'nullable', NOT a.attnotnull,
      'default', pg_get_expr(d.adbin, d.adrelid), 'generated', a.attgenerated <> '', 'identity', a.attidentity <> '',
      'description', col_description(c.oid, a.attnum),
      'enum', (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = a.atttypid)
    ) ORDER BY a.attnum)
    FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]') AS columns,
  COALESCE((
    SELECT json_agg(json_build_object('primary', i.indisprimary, 'columns', (
      SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum)))
    FROM pg_index i WHERE i.indrelid = c.oid AND i.indisunique AND i.indpred IS NULL AND NOT (0 = ANY(i.indkey::int2[]))), '[]') AS keys
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'v', 'm', 'f', 'p', 'c')`

const FKS_SQL = `
SELECT con.conname AS name, n1.nspname AS schema, c1.relname AS table,
  (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS columns,
  n2.nspname AS ref_schema, c2.relname AS ref_table,
  (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
     JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS ref_columns
FROM pg_constraint con
JOIN pg_class c1 ON c1.oid = con.conrelid JOIN pg_namespace n1 ON n1.oid = c1.relnamespace
JOIN pg_class c2 ON c2.oid = con.confrelid JOIN pg_namespace n2 ON n2.oid = c2.relnamespace
WHERE con.contype = 'f' AND (n1.nspname = ANY($1) OR n2.nspname = ANY($1))`

const ROUTINES_SQL = `
SELECT n.nspname AS schema, p.proname AS name, p.proretset AS returns_set, p.provolatile AS volatility,
  p.pronargs AS nargs, p.pronargdefaults AS ndefaults,
  COALESCE(p.proargnames, '{}') AS arg_names, COALESCE(p.proargmodes::text[], '{}') AS arg_modes,
  ARRAY(SELECT format_type(x.t, NULL) FROM unnest(COALESCE(p.proallargtypes, p.proargtypes::oid[])) WITH ORDINALITY AS x(t, i) ORDER BY x.i) AS arg_types,
  format_type(p.prorettype, NULL) AS return_type, t.typtype AS ret_typtype, t.typname AS ret_typname,
  rn.nspname AS ret_schema, rc.relname AS ret_table, obj_description(p.oid, 'pg_proc') AS description,
  (SELECT an.nspname FROM pg_type at JOIN pg_class ac ON ac.oid = at.typrelid JOIN pg_namespace an ON an.oid = ac.relnamespace
     WHERE p.pronargs = 1 AND at.oid = p.proargtypes[0]) AS arg0_schema,
  (SELECT ac.relname FROM pg_type at JOIN pg_class ac ON ac.oid = at.typrelid WHERE p.pronargs = 1 AND at.oid = p.proargtypes[0]) AS arg0_table
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_type t ON t.oid = p.prorettype
LEFT JOIN pg_class rc ON rc.oid = t.typrelid AND rc.relkind IN ('r', 'v', 'm', 'f', 'p', 'c')
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE n.nspname = ANY($1) AND p.prokind = 'f'`

// Base-table columns each view reads (through its rewrite rule's dependencies).
const VIEW_DEPS_SQL = `
SELECT vn.nspname AS view_schema, v.relname AS view_name, tn.nspname AS table_schema, t.relname AS table_name,
  array_agg(DISTINCT a.attname::text) AS columns
FROM pg_class v JOIN pg_namespace vn ON vn.oid = v.relnamespace
JOIN pg_rewrite r ON r.ev_class = v.oid
JOIN pg_depend d ON d.objid = r.oid AND d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0
JOIN pg_class t ON t.oid = d.refobjid AND t.oid <> v.oid JOIN pg_namespace tn ON tn.oid = t.relnamespace
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
WHERE vn.nspname = ANY($1) AND v.relkind IN ('v', 'm')
GROUP BY 1, 2, 3, 4`

interface TableRow {
  schema: string
  name: string
  kind: string
  description: string | null
  columns: { name: string; type: string; nullable: boolean; default: string | null; generated: boolean; identity: boolean; description: string | null; enum: string[] | null }[]
  keys: { primary: boolean; columns: string[] }[]
}

interface RoutineRow {
  schema: string
  name: string
  returns_set: boolean
  volatility: 'i' | 's' | 'v'
  nargs: number
  ndefaults: number
  arg_names: string[]
  arg_modes: string[]
  arg_types: string[]
  return_type: string
  ret_typtype: string
  ret_typname: string
  ret_schema: string | null
  ret_table: string | null
  description: string | null
  arg0_schema: string | null
  arg0_table: string | null
}

/** `timezones`: the previous load's list (reading pg_timezone_names costs ~100 ms; it never changes). */
export async function loadSchemaCache(pool: pg.Pool, schemas: string[], timezones?: Set<string>): Promise<SchemaCache> {
  const client = await pool.connect()
  try {
    timezones ??= new Set((await client.query<{ name: string }>('SELECT name FROM pg_timezone_names')).rows.map((r) => r.name))
    const [tables, fks, routines] = [
      await client.query<TableRow>(TABLES_SQL, [schemas]),
      await client.query<{ name: string; schema: string; table: string; columns: string[]; ref_schema: string; ref_table: string; ref_columns: string[] }>(FKS_SQL, [schemas]),
      await client.query<RoutineRow>(ROUTINES_SQL, [schemas]),
    ]
    const viewDeps = await client.query<{ view_schema: string; view_name: string; table_schema: string; table_name: string; columns: string[] }>(VIEW_DEPS_SQL, [schemas])
    const cache: SchemaCache = { schemas, tables: new Map(), foreignKeys: [], foreignKeysByTable: new Map(), routines: new Map(), timezones, loadedAt: Date.now() }
    for (const row of tables.rows) {
      const columns: Column[] = row.columns.map((c) => ({
        name: c.name, type: c.type, nullable: c.nullable, defaultExpr: c.default, generated: c.generated,
        identity: c.identity, description: c.description, enumValues: c.enum,
      }))
      const primary = row.keys.find((k) => k.primary)
      cache.tables.set(tableKey(row.schema, row.name), {
        schema: row.schema,
        name: row.name,
        kind: KINDS[row.kind] ?? 'table',
        columns,
        columnMap: new Map(columns.map((c) => [c.name, c])),
        primaryKey: primary?.columns ?? [],
        uniqueKeys: row.keys.map((k) => k.columns),
        description: row.description,
      })
    }
    cache.foreignKeys = fks.rows.map((r) => ({
      name: r.name, schema: r.schema, table: r.table, columns: r.columns, refSchema: r.ref_schema, refTable: r.ref_table, refColumns: r.ref_columns,
    }))
    inferViewKeys(cache, viewDeps.rows.map((r) => ({ view: tableKey(r.view_schema, r.view_name), table: tableKey(r.table_schema, r.table_name), columns: r.columns })))
    cache.foreignKeysByTable = indexForeignKeys(cache.foreignKeys)
    for (const row of routines.rows) {
      const routine = toRoutine(row)
      const key = tableKey(routine.schema, routine.name)
      cache.routines.set(key, [...(cache.routines.get(key) ?? []), routine])
      const owner = routine.rowArg && cache.tables.get(tableKey(routine.rowArg.schema, routine.rowArg.name))
      if (owner && !routine.returnsSet && routine.returnKind === 'scalar' && !owner.columnMap.has(routine.name)) {
        ;(owner.computed ??= new Map()).set(routine.name, routine)
      }
    }
    return cache
  } finally {
    client.release()
  }
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

function toRoutine(row: RoutineRow): Routine {
  const params: RoutineParam[] = []
  const outColumns: { name: string; type: string }[] = []
  const inputCount = row.nargs
  let inputIndex = 0
  row.arg_types.forEach((type, i) => {
    const mode = row.arg_modes[i] ?? 'i'
    const name = row.arg_names[i] ?? ''
    if (mode === 'i' || mode === 'b' || mode === 'v') {
      params.push({ name, type, hasDefault: inputIndex >= inputCount - row.ndefaults })
      inputIndex++
    }
    if (mode === 'o' || mode === 'b' || mode === 't') outColumns.push({ name, type })
  })
  let returnKind: Routine['returnKind'] = 'scalar'
  if (row.ret_typname === 'void') returnKind = 'void'
  else if (row.ret_typtype === 'c' || (row.ret_typname === 'record' && outColumns.length > 0)) returnKind = 'composite'
  const routine: Routine = {
    schema: row.schema,
    name: row.name,
    params,
    returnType: row.return_type,
    returnsSet: row.returns_set,
    returnKind,
    outColumns,
    volatility: row.volatility === 'i' ? 'immutable' : row.volatility === 's' ? 'stable' : 'volatile',
    description: row.description,
  }
  if (row.ret_schema && row.ret_table) routine.returnTable = { schema: row.ret_schema, name: row.ret_table }
  if (row.arg0_schema && row.arg0_table) routine.rowArg = { schema: row.arg0_schema, name: row.arg0_table }
  return routine
}

/**
 * Views get the keys and foreign keys of the tables they read, as PostgREST infers them, for the
 * common case of a view column that keeps its base column's name. A name read from two base
 * tables is ambiguous and maps to neither.
 */
function inferViewKeys(cache: SchemaCache, deps: { view: string; table: string; columns: string[] }[]): void {
  const byView = new Map<string, { table: string; columns: string[] }[]>()
  for (const d of deps) byView.set(d.view, [...(byView.get(d.view) ?? []), d])
  // view → (base table → columns it exposes under the same name)
  const exposes = new Map<string, Map<string, Set<string>>>()
  for (const [viewKey, list] of byView) {
    const view = cache.tables.get(viewKey)
    if (!view) continue
    const count = new Map<string, number>()
    for (const d of list) for (const c of d.columns) count.set(c, (count.get(c) ?? 0) + 1)
    const perTable = new Map<string, Set<string>>()
    for (const d of list) {
      perTable.set(d.table, new Set(d.columns.filter((c) => count.get(c) === 1 && view.columnMap.has(c))))
    }
    exposes.set(viewKey, perTable)
    for (const d of list) {
      const base = cache.tables.get(d.table)
      const cols = perTable.get(d.table)!
      if (!base || list.length > 1) continue // keys stay unique only over a single base table
      for (const key of base.uniqueKeys) if (key.every((c) => cols.has(c))) view.uniqueKeys.push(key)
      if (!view.primaryKey.length && base.primaryKey.length && base.primaryKey.every((c) => cols.has(c))) view.primaryKey = base.primaryKey
    }
  }
  const viewsOf = (table: string, columns: string[]) =>
    [...exposes].filter(([, per]) => columns.every((c) => per.get(table)?.has(c))).map(([view]) => cache.tables.get(view)!)
  const inferred: ForeignKey[] = []
  for (const fk of cache.foreignKeys) {
    const from = [{ schema: fk.schema, name: fk.table }, ...viewsOf(tableKey(fk.schema, fk.table), fk.columns)]
    const to = [{ schema: fk.refSchema, name: fk.refTable }, ...viewsOf(tableKey(fk.refSchema, fk.refTable), fk.refColumns)]
    for (const f of from) {
      for (const t of to) {
        if (f.name === fk.table && f.schema === fk.schema && t.name === fk.refTable && t.schema === fk.refSchema) continue
        inferred.push({ ...fk, schema: f.schema, table: f.name, refSchema: t.schema, refTable: t.name })
      }
    }
  }
  cache.foreignKeys.push(...inferred)
}
