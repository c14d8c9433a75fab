// The catalog queries behind the schema cache and the conversion of their rows. Each relation
// query takes an optional list of relation oids ($2, NULL for all): a full load and an
// incremental one run the same statements.
import type { Column, ForeignKey, Routine, RoutineParam, Table } from './schema-cache.ts'

export const KINDS: Record<string, Table['kind']> = {
  r: 'table', v: 'view', m: 'materialized view', f: 'foreign table', p: 'partitioned table', c: 'composite type',
}

export const TABLES_SQL = `
SELECT c.oid::bigint AS oid, n.nspname AS schema, c.relname AS name, c.relkind AS kind, obj_description(c.oid, 'pg_class') AS description,
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
    SELECT json_agg(json_build_object('oid', i.indexrelid::bigint, 'primary', i.indisprimary, 'columns', (
      SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum)))
    FROM pg_index i WHERE i.indrelid = c.oid AND i.indisunique AND i.indpred IS NULL AND NOT (0 = ANY(i.indkey::int2[]))), '[]') AS keys
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'v', 'm', 'f', 'p', 'c') AND ($2::oid[] IS NULL OR c.oid = ANY($2))`

export const FKS_SQL = `
SELECT con.conname AS name, n1.nspname AS schema, c1.relname AS table,
  (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS columns,
  n2.nspname AS ref_schema, c2.relname AS ref_table,
  (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
     JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS ref_columns
FROM pg_constraint con
JOIN pg_class c1 ON c1.oid = con.conrelid JOIN pg_namespace n1 ON n1.oid = c1.relnamespace
JOIN pg_class c2 ON c2.oid = con.confrelid JOIN pg_namespace n2 ON n2.oid = c2.relnamespace
WHERE con.contype = 'f' AND (n1.nspname = ANY($1) OR n2.nspname = ANY($1))
  AND ($2::oid[] IS NULL OR con.conrelid = ANY($2) OR con.confrelid = ANY($2))`

export const ROUTINES_SQL = `
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

// Base-table columns each view reads (through its rewrite rule's dependencies); with $2, only
// the views among those oids or reading from them.
export const VIEW_DEPS_SQL = `
WITH wanted AS MATERIALIZED (
  SELECT v.oid, vn.nspname, v.relname FROM pg_class v JOIN pg_namespace vn ON vn.oid = v.relnamespace
  WHERE vn.nspname = ANY($1) AND v.relkind IN ('v', 'm')
    AND ($2::oid[] IS NULL OR v.oid = ANY($2) OR v.oid IN (
      SELECT r2.ev_class FROM pg_depend d2 JOIN pg_rewrite r2 ON r2.oid = d2.objid
      WHERE d2.refclassid = 'pg_class'::regclass AND d2.refobjid = ANY($2) AND d2.classid = 'pg_rewrite'::regclass)))
SELECT w.nspname AS view_schema, w.relname AS view_name, tn.nspname AS table_schema, t.relname AS table_name,
  array_agg(DISTINCT a.attname::text) AS columns
FROM wanted w
JOIN pg_rewrite r ON r.ev_class = w.oid
JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0
JOIN pg_class t ON t.oid = d.refobjid AND t.oid <> w.oid JOIN pg_namespace tn ON tn.oid = t.relnamespace
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
GROUP BY 1, 2, 3, 4`

/** The relations (an index: its table) that the oids name and that still exist. */
export const RESOLVE_SQL = `
SELECT DISTINCT COALESCE(i.indrelid, c.oid)::bigint AS oid
FROM pg_class c LEFT JOIN pg_index i ON i.indexrelid = c.oid
WHERE c.oid = ANY($1::oid[])`

export interface TableRow {
  oid: string
  schema: string
  name: string
  kind: string
  description: string | null
  columns: { name: string; type: string; nullable: boolean; default: string | null; generated: boolean; identity: boolean; description: string | null; enum: string[] | null }[]
  keys: { oid: number; primary: boolean; columns: string[] }[]
}

export interface ForeignKeyRow {
  name: string
  schema: string
  table: string
  columns: string[]
  ref_schema: string
  ref_table: string
  ref_columns: string[]
}

export interface ViewDepRow {
  view_schema: string
  view_name: string
  table_schema: string
  table_name: string
  columns: string[]
}

export interface RoutineRow {
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

export function toTable(row: TableRow): Table {
  const columns: Column[] = row.columns.map((c) => ({
    name: c.name, type: c.type, nullable: c.nullable, defaultExpr: c.default, generated: c.generated,
    identity: c.identity, description: c.description, enumValues: c.enum,
  }))
  const primary = row.keys.find((k) => k.primary)
  const primaryKey = primary?.columns ?? []
  const uniqueKeys = row.keys.map((k) => k.columns)
  return {
    oid: Number(row.oid),
    schema: row.schema,
    name: row.name,
    kind: KINDS[row.kind] ?? 'table',
    columns,
    columnMap: new Map(columns.map((c) => [c.name, c])),
    primaryKey,
    uniqueKeys,
    catalogKeys: { primaryKey, uniqueKeys },
    indexOids: row.keys.map((k) => Number(k.oid)),
    description: row.description,
  }
}

export const toForeignKey = (r: ForeignKeyRow): ForeignKey => ({
  name: r.name, schema: r.schema, table: r.table, columns: r.columns, refSchema: r.ref_schema, refTable: r.ref_table, refColumns: r.ref_columns,
})

export function toRoutine(row: RoutineRow): Routine {
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
  // OUT/INOUT/TABLE columns make rows with those names, even a single one (`RETURNS TABLE(a text)`)
  else if (row.ret_typtype === 'c' || outColumns.length > 0) returnKind = 'composite'
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

