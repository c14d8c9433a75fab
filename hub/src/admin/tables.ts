// Tables and views as the Studio lists them (docs/admin-api.md, "Database"): row counts, RLS,
// policies, what anon and authenticated may do, and the warnings for exposed tables anyone can
// reach without row level security. Everything is read from PostgreSQL's catalogs, as
// service_role, in one read-only transaction per request.
import type pg from 'pg'
import { asRole, type Db } from './db.ts'
import { invalid, notFound } from './errors.ts'
import { json } from './http.ts'
import type { AdminRoute } from './router.ts'
import { tableDetail } from './table-detail.ts'

/** Below this planner estimate a table is counted exactly. */
const EXACT_COUNT_BELOW = 100_000
const HIDDEN_SCHEMAS = ['pg_catalog', 'information_schema', 'pgr', 'pgstack', 'auth', 'pg_toast']
const PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const

const KINDS: Record<string, string> = { r: 'table', p: 'partitioned_table', v: 'view', m: 'materialized_view', f: 'foreign_table' }

export interface TableRow {
  oid: number
  schema: string
  name: string
  relkind: string
  rls_enabled: boolean
  rls_forced: boolean
  estimate: number
  policies: number
  anon: string[]
  authenticated: string[]
  security_invoker: boolean
  readable: boolean
  comment: string | null
}

export interface Warning {
  code: 'anon_without_rls' | 'authenticated_without_rls' | 'view_bypasses_rls' | 'rls_without_policies'
  severity: 'error' | 'warning' | 'info'
  message: string
}

export const TABLES_SQL = `
SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS relkind,
       c.relrowsecurity AS rls_enabled, c.relforcerowsecurity AS rls_forced,
       c.reltuples::float8 AS estimate,
       (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies,
       ARRAY(SELECT x FROM unnest($2::text[]) x WHERE has_table_privilege('anon', c.oid, x)) AS anon,
       ARRAY(SELECT x FROM unnest($2::text[]) x WHERE has_table_privilege('authenticated', c.oid, x)) AS authenticated,
       coalesce((SELECT o.option_value::boolean FROM pg_options_to_table(c.reloptions) o
                  WHERE o.option_name = 'security_invoker'), false) AS security_invoker,
       has_table_privilege(c.oid, 'SELECT') AS readable,
       obj_description(c.oid, 'pg_class') AS comment
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
   AND ($1::text[] IS NULL AND n.nspname <> ALL ($3::text[]) AND n.nspname NOT LIKE 'pg\\_%' OR n.nspname = ANY ($1::text[]))
 ORDER BY n.nspname, c.relname`

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`

/** Exact counts for the small readable tables, in one statement; estimates for the rest. */
export async function countRows(db: Db, tables: TableRow[]): Promise<Map<number, string>> {
  const counts = new Map<number, string>()
  const small = tables.filter((t) => t.readable && t.relkind !== 'v' && t.relkind !== 'f' && t.estimate < EXACT_COUNT_BELOW)
  if (small.length === 0) return counts
  const columns = small.map((t, i) => `(SELECT count(*) FROM ${quoteIdent(t.schema)}.${quoteIdent(t.name)})::text AS c${i}`)
  try {
    await db.query('SAVEPOINT counting; SET LOCAL statement_timeout = 5000')
    const { rows } = await db.query<Record<string, string>>(`SELECT ${columns.join(', ')}`)
    await db.query('RELEASE SAVEPOINT counting')
    small.forEach((t, i) => counts.set(t.oid, rows[0]![`c${i}`]!))
  } catch {
    // too slow or refused: the estimates stand
    await db.query('ROLLBACK TO SAVEPOINT counting')
  }
  return counts
}

export function warningsOf(table: TableRow, exposed: boolean): Warning[] {
  if (!exposed) return []
  const warnings: Warning[] = []
  const qualified = `${table.schema}.${table.name}`
  const reach = (privileges: string[]) => {
    const read = privileges.includes('SELECT')
    const write = privileges.some((p) => p !== 'SELECT')
    return read && write ? 'read and write' : read ? 'read' : 'write'
  }
  const hasRls = table.relkind === 'r' || table.relkind === 'p' || table.relkind === 'f'
  if (hasRls && !table.rls_enabled) {
    if (table.anon.length > 0) {
      warnings.push({ code: 'anon_without_rls', severity: 'error', message: `anon can ${reach(table.anon)} ${qualified}: row level security is off` })
    } else if (table.authenticated.length > 0) {
      warnings.push({ code: 'authenticated_without_rls', severity: 'warning', message: `every signed-in user can ${reach(table.authenticated)} ${qualified}: row level security is off` })
    }
  }
  if ((table.relkind === 'v' && !table.security_invoker) || table.relkind === 'm') {
    if (table.anon.includes('SELECT')) {
      const what = table.relkind === 'm' ? 'materialized view' : 'view'
      warnings.push({ code: 'view_bypasses_rls', severity: 'warning', message: `anon can read the ${what} ${qualified}, which runs with its owner's rights: the policies of the tables it reads do not apply` })
    }
  }
  if (hasRls && table.rls_enabled && table.policies === 0) {
    warnings.push({ code: 'rls_without_policies', severity: 'info', message: `row level security is on for ${qualified} but it has no policy: only service_role sees its rows` })
  }
  return warnings
}

export function tableSummary(table: TableRow, counts: Map<number, string>, exposedSchemas: string[]) {
  const exact = counts.get(table.oid)
  const isView = table.relkind === 'v' || table.relkind === 'f'
  const exposed = exposedSchemas.includes(table.schema)
  return {
    schema: table.schema,
    name: table.name,
    kind: KINDS[table.relkind] ?? table.relkind,
    rows: isView ? null : exact ?? (table.estimate >= 0 ? String(Math.round(table.estimate)) : null),
    rows_exact: exact !== undefined,
    rls_enabled: table.rls_enabled,
    rls_forced: table.rls_forced,
    policies: table.policies,
    exposed,
    privileges: { anon: table.anon, authenticated: table.authenticated },
    comment: table.comment,
    warnings: warningsOf(table, exposed),
  }
}

export function tableRoutes(deps: { pool: pg.Pool; exposedSchemas: string[] }): AdminRoute[] {
  const { pool, exposedSchemas } = deps
  const readOnly = <T>(work: (db: Db) => Promise<T>) =>
    asRole(pool, 'service_role', async (db) => {
      await db.query('SET TRANSACTION READ ONLY')
      return work(db)
    })
  return [
    {
      method: 'GET',
      path: '/tables',
      handler: async ({ query }) => {
        let schemas: string[] | null = query.getAll('schema').filter(Boolean)
        if (query.get('exposed') === 'true') schemas = exposedSchemas
        else if (schemas.length === 0) schemas = null
        else if (query.has('exposed') && query.get('exposed') !== 'false') throw invalid('query parameter "exposed" must be true or false')
        const tables = await readOnly(async (db) => {
          const { rows } = await db.query<TableRow>(TABLES_SQL, [schemas, PRIVILEGES, HIDDEN_SCHEMAS])
          const counts = await countRows(db, rows)
          return rows.map((table) => tableSummary(table, counts, exposedSchemas))
        })
        return json(200, { exposed_schemas: exposedSchemas, tables })
      },
    },
    {
      method: 'GET',
      path: '/tables/:schema/:name',
      handler: async ({ params }) => {
        const detail = await readOnly(async (db) => {
          const { rows } = await db.query<TableRow>(`SELECT * FROM (${TABLES_SQL}) t WHERE t.name = $4`, [[params.schema], PRIVILEGES, HIDDEN_SCHEMAS, params.name])
          const table = rows[0]
          if (!table) return null
          const counts = await countRows(db, [table])
          return { ...tableSummary(table, counts, exposedSchemas), ...(await tableDetail(db, table.oid, table.relkind)) }
        })
        if (!detail) throw notFound(`no table or view ${params.schema}.${params.name}`)
        return json(200, detail)
      },
    },
  ]
}
