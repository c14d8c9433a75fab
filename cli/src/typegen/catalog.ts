// Reads what `gen types` needs from PostgreSQL's catalog, as plain data for render.ts: relations
// with their columns and foreign keys, functions, enums, composite types, and the named live
// queries with the types PostgreSQL gives their result columns (one PREPARE each, no rows read).
import type pg from 'pg'

/** A type as the catalog names it: enough to map it to TypeScript. */
export interface TypeRef {
  schema: string
  name: string
  /** pg_type.typtype: b base, e enum, c composite, d domain (resolved to its base), p pseudo, r range, m multirange */
  kind: string
  /** For arrays: the element type. */
  element: TypeRef | null
}

export interface Column {
  name: string
  type: TypeRef
  nullable: boolean
  hasDefault: boolean
  /** 'always' identity or generated column: never written. */
  generated: boolean
  updatable: boolean
}

export interface Relationship {
  foreignKeyName: string
  columns: string[]
  isOneToOne: boolean
  referencedSchema: string
  referencedRelation: string
  referencedColumns: string[]
}

export interface Relation {
  schema: string
  name: string
  kind: 'table' | 'view'
  columns: Column[]
  relationships: Relationship[]
  insertable: boolean
  updatable: boolean
}

export interface FunctionArg {
  name: string
  type: TypeRef
  optional: boolean
}

export interface FunctionDef {
  schema: string
  name: string
  args: FunctionArg[]
  returns: TypeRef
  returnsSet: boolean
  /** RETURNS TABLE (…) or OUT parameters: the columns of each returned row. */
  returnsColumns: Array<{ name: string; type: TypeRef }> | null
}

export interface Catalog {
  relations: Relation[]
  functions: FunctionDef[]
  enums: Array<{ schema: string; name: string; labels: string[] }>
  composites: Array<{ schema: string; name: string; attributes: Array<{ name: string; type: TypeRef }> }>
  liveQueries: Array<{ name: string; params: TypeRef[]; columns: Array<{ name: string; type: TypeRef; nullable: boolean }> }>
}

// A type's reference as JSON, domains resolved to their base, arrays to their element.
const TYPE_FN = `
CREATE FUNCTION pg_temp.type_ref(t oid) RETURNS jsonb LANGUAGE sql STABLE AS $$
  WITH RECURSIVE base(oid, depth) AS (
    SELECT t, 0 UNION ALL
    SELECT ty.typbasetype, b.depth + 1 FROM base b JOIN pg_type ty ON ty.oid = b.oid WHERE ty.typtype = 'd')
  SELECT jsonb_build_object('schema', n.nspname, 'name', ty.typname, 'kind', ty.typtype,
           'element', CASE WHEN ty.typcategory = 'A' AND ty.typelem <> 0 THEN pg_temp.type_ref(ty.typelem) END)
    FROM (SELECT oid FROM base ORDER BY depth DESC LIMIT 1) b
    JOIN pg_type ty ON ty.oid = b.oid JOIN pg_namespace n ON n.oid = ty.typnamespace
$$`

const RELATIONS = `
SELECT n.nspname AS schema, c.relname AS name, CASE WHEN c.relkind IN ('r', 'p', 'f') THEN 'table' ELSE 'view' END AS kind,
       pg_relation_is_updatable(c.oid::regclass, false) & 8 = 8 AS insertable,
       pg_relation_is_updatable(c.oid::regclass, false) & 4 = 4 AS updatable,
       coalesce((SELECT jsonb_agg(jsonb_build_object(
           'name', a.attname, 'type', pg_temp.type_ref(a.atttypid),
           'nullable', NOT a.attnotnull OR c.relkind IN ('v', 'm'),
           'hasDefault', a.atthasdef OR a.attidentity <> '',
           'generated', a.attidentity = 'a' OR a.attgenerated <> '',
           'updatable', pg_column_is_updatable(c.oid::regclass, a.attnum, false)) ORDER BY a.attnum)
         FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]') AS columns,
       coalesce((SELECT jsonb_agg(jsonb_build_object(
           'foreignKeyName', k.conname,
           'columns', (SELECT jsonb_agg(a.attname ORDER BY u.i) FROM unnest(k.conkey) WITH ORDINALITY u(n, i) JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n),
           'isOneToOne', EXISTS (SELECT FROM pg_index x WHERE x.indrelid = k.conrelid AND x.indisunique AND x.indpred IS NULL
                                   AND (x.indkey::int2[])[0:] @> k.conkey AND k.conkey @> (x.indkey::int2[])[0:]),
           'referencedSchema', rn.nspname, 'referencedRelation', r.relname,
           'referencedColumns', (SELECT jsonb_agg(a.attname ORDER BY u.i) FROM unnest(k.confkey) WITH ORDINALITY u(n, i) JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n))
           ORDER BY k.conname)
         FROM pg_constraint k JOIN pg_class r ON r.oid = k.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
        WHERE k.conrelid = c.oid AND k.contype = 'f'), '[]') AS relationships
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = ANY ($1) AND c.relkind IN ('r', 'p', 'f', 'v', 'm') AND NOT c.relispartition
 ORDER BY n.nspname, c.relname`

const FUNCTIONS = `
SELECT n.nspname AS schema, p.proname AS name, pg_temp.type_ref(p.prorettype) AS returns, p.proretset AS "returnsSet",
       coalesce((SELECT jsonb_agg(jsonb_build_object('name', coalesce(p.proargnames[a.i], ''), 'type', pg_temp.type_ref(a.t),
                   'optional', a.ord > p.pronargs - p.pronargdefaults) ORDER BY a.i)
                   FROM (SELECT u.t, u.i, row_number() OVER (ORDER BY u.i) AS ord
                           FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) WITH ORDINALITY u(t, i)
                          WHERE coalesce(p.proargmodes[u.i], 'i') IN ('i', 'b', 'v')) a), '[]') AS args,
       (SELECT jsonb_agg(jsonb_build_object('name', p.proargnames[u.i], 'type', pg_temp.type_ref(u.t)) ORDER BY u.i)
          FROM unnest(p.proallargtypes) WITH ORDINALITY u(t, i) WHERE p.proargmodes[u.i] IN ('o', 'b', 't')) AS "returnsColumns"
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = ANY ($1) AND p.prokind = 'f' AND p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype)
   AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
 ORDER BY n.nspname, p.proname, p.oid`

const ENUMS = `
SELECT n.nspname AS schema, t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
 WHERE n.nspname = ANY ($1) GROUP BY n.nspname, t.typname ORDER BY 1, 2`

const COMPOSITES = `
SELECT n.nspname AS schema, t.typname AS name,
       coalesce((SELECT jsonb_agg(jsonb_build_object('name', a.attname, 'type', pg_temp.type_ref(a.atttypid)) ORDER BY a.attnum)
                   FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), '[]') AS attributes
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_class c ON c.oid = t.typrelid
 WHERE n.nspname = ANY ($1) AND t.typtype = 'c' AND c.relkind = 'c' ORDER BY 1, 2`

export async function readCatalog(client: pg.Client, schemas: string[]): Promise<Catalog> {
  await client.query('BEGIN')
  try {
    await client.query(TYPE_FN)
    const relations = (await client.query<Relation>(RELATIONS, [schemas])).rows
    const functions = (await client.query<FunctionDef>(FUNCTIONS, [schemas])).rows
    const enums = (await client.query<Catalog['enums'][number]>(ENUMS, [schemas])).rows
    const composites = (await client.query<Catalog['composites'][number]>(COMPOSITES, [schemas])).rows
    const liveQueries = await readLiveQueries(client)
    return { relations, functions, enums, composites, liveQueries }
  } finally {
    await client.query('ROLLBACK')
  }
}

/** Each named live query's parameter and result column types, from a PREPARE of its SQL. */
async function readLiveQueries(client: pg.Client): Promise<Catalog['liveQueries']> {
  const { rows: present } = await client.query("SELECT 1 FROM pg_extension WHERE extname = 'pg_reactive'")
  if (!present.length) return []
  const { rows } = await client.query<{ name: string; sql: string; search_path: string; param_types: string[]; params: TypeRef[]; single: boolean }>(
    `SELECT q.name, q.sql, q.search_path, q.param_types::text[] AS param_types, cardinality(q.tables) = 1 AS single,
            coalesce((SELECT jsonb_agg(pg_temp.type_ref(t) ORDER BY i) FROM unnest(q.param_types) WITH ORDINALITY u(t, i)), '[]') AS params
       FROM pgr.live_query q WHERE NOT q.adhoc ORDER BY q.name`,
  )
  const result: Catalog['liveQueries'] = []
  for (const [index, query] of rows.entries()) {
    // PREPARE is not undone by a rollback: a name per query
    const statement = `pgstack_typegen_${index}`
    await client.query('SAVEPOINT live_query')
    try {
      await client.query(`SELECT set_config('search_path', $1, true)`, [query.search_path])
      const types = query.param_types.length ? `(${query.param_types.join(', ')})` : ''
      await client.query(`PREPARE ${statement}${types} AS SELECT * FROM (${query.sql}) q LIMIT 0`)
      const executed = await client.query(`EXECUTE ${statement}${query.param_types.length ? `(${query.param_types.map(() => 'NULL').join(', ')})` : ''}`)
      const columns = []
      for (const field of executed.fields) {
        const { rows: described } = await client.query<{ type: TypeRef; notnull: boolean }>(
          `SELECT pg_temp.type_ref($1::oid) AS type,
                  coalesce((SELECT a.attnotnull FROM pg_attribute a WHERE a.attrelid = $2::oid AND a.attnum = $3), false) AS notnull`,
          [field.dataTypeID, field.tableID, field.columnID],
        )
        // a NOT NULL table column stays non-null only in a single-table query (no outer join)
        columns.push({ name: field.name, type: described[0]!.type, nullable: !(query.single && described[0]!.notnull) })
      }
      await client.query('RELEASE SAVEPOINT live_query')
      result.push({ name: query.name, params: query.params, columns })
    } catch {
      await client.query('ROLLBACK TO SAVEPOINT live_query')
    }
    await client.query(`DEALLOCATE ${statement}`).catch(() => {})
  }
  return result
}
