// One table's structure for the Studio: columns, keys, foreign keys both ways, indexes, policies
// and a view's definition, read from the catalogs in the caller's transaction.
import type { Db } from './db.ts'

const ACTIONS: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' }
const COMMANDS: Record<string, string> = { r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE', '*': 'ALL' }

const COLUMNS_SQL = `
SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable,
       pg_get_expr(d.adbin, d.adrelid) AS "default",
       CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by_default' END AS identity,
       a.attgenerated <> '' AS generated,
       coalesce(a.attnum = ANY (pk.conkey), false) AS primary_key,
       col_description(a.attrelid, a.attnum) AS comment
  FROM pg_attribute a
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  LEFT JOIN pg_constraint pk ON pk.conrelid = a.attrelid AND pk.contype = 'p'
 WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attnum`

// Column names of a constraint's keys, in key order.
const names = (rel: string, keys: string) =>
  `ARRAY(SELECT att.attname::text FROM unnest(${keys}) WITH ORDINALITY k(num, ord)
           JOIN pg_attribute att ON att.attrelid = ${rel} AND att.attnum = k.num ORDER BY k.ord)`

const CONSTRAINTS_SQL = `
SELECT c.conname AS name, c.contype::text AS type, ${names('c.conrelid', 'c.conkey')} AS columns,
       fn.nspname AS ref_schema, fc.relname AS ref_table, ${names('c.confrelid', 'c.confkey')} AS ref_columns,
       c.confupdtype::text AS on_update, c.confdeltype::text AS on_delete,
       sn.nspname AS src_schema, sc.relname AS src_table, c.conrelid = $1 AS outgoing, c.confrelid = $1 AS incoming
  FROM pg_constraint c
  JOIN pg_class sc ON sc.oid = c.conrelid JOIN pg_namespace sn ON sn.oid = sc.relnamespace
  LEFT JOIN pg_class fc ON fc.oid = c.confrelid LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
 WHERE (c.conrelid = $1 AND c.contype IN ('p', 'u', 'f')) OR (c.confrelid = $1 AND c.contype = 'f')
 ORDER BY c.conname`

const INDEXES_SQL = `
SELECT ic.relname AS name, pg_get_indexdef(i.indexrelid) AS definition, i.indisunique AS unique, i.indisprimary AS primary
  FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
 WHERE i.indrelid = $1 ORDER BY ic.relname`

const POLICIES_SQL = `
SELECT p.polname AS name, p.polcmd::text AS command, p.polpermissive AS permissive,
       ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r)::text END FROM unnest(p.polroles) r) AS roles,
       pg_get_expr(p.polqual, p.polrelid) AS using, pg_get_expr(p.polwithcheck, p.polrelid) AS with_check
  FROM pg_policy p WHERE p.polrelid = $1 ORDER BY p.polname`

interface ConstraintRow {
  name: string
  type: string
  columns: string[]
  ref_schema: string | null
  ref_table: string | null
  ref_columns: string[]
  on_update: string
  on_delete: string
  src_schema: string
  src_table: string
  outgoing: boolean
  incoming: boolean
}

export async function tableDetail(db: Db, oid: number, relkind: string) {
  // one after the other: they share the transaction's connection
  const columns = await db.query(COLUMNS_SQL, [oid])
  const constraints = await db.query<ConstraintRow>(CONSTRAINTS_SQL, [oid])
  const indexes = await db.query(INDEXES_SQL, [oid])
  const policies = await db.query<{ command: string }>(POLICIES_SQL, [oid])
  const outgoing = constraints.rows.filter((c) => c.outgoing)
  const definition = relkind === 'v' || relkind === 'm' ? (await db.query<{ d: string }>('SELECT pg_get_viewdef($1::oid, true) AS d', [oid])).rows[0]!.d : null
  return {
    columns: columns.rows,
    primary_key: outgoing.find((c) => c.type === 'p')?.columns ?? [],
    unique: outgoing.filter((c) => c.type === 'u').map((c) => ({ name: c.name, columns: c.columns })),
    foreign_keys: outgoing
      .filter((c) => c.type === 'f')
      .map((c) => ({
        name: c.name,
        columns: c.columns,
        references: { schema: c.ref_schema, table: c.ref_table, columns: c.ref_columns },
        on_update: ACTIONS[c.on_update] ?? c.on_update,
        on_delete: ACTIONS[c.on_delete] ?? c.on_delete,
      })),
    referenced_by: constraints.rows
      .filter((c) => c.incoming)
      .map((c) => ({ name: c.name, schema: c.src_schema, table: c.src_table, columns: c.columns, references_columns: c.ref_columns })),
    indexes: indexes.rows,
    policies: policies.rows.map((p) => ({ ...p, command: COMMANDS[p.command] ?? p.command })),
    definition,
  }
}
