// Plan → ONE statement whose rows are (total, page size, row body). The body of each row is JSON
// (or a CSV line) built by PostgreSQL; the render stage only joins the rows. A LEFT JOIN from a
// one-row relation keeps the counts available when the page is empty. A result read whole
// (`whole`) with no total needs neither: its page size is its number of rows (pgrst_page NULL),
// which spares PostgreSQL a window aggregate on every small read (~5 µs of CPU per GET by key).
import type { CallPlan, MutatePlan, Plan, ReadPlan, Shape } from '../plan/types.ts'
import type { Routine } from '../schema-cache.ts'
import { NO_EMBEDS, buildFilter } from './build-filters.ts'
import { buildSelect } from './build-read.ts'
import { Aliases, Params, qualify, quoteIdent, type Statement } from './fragments.ts'

export interface BuiltQuery extends Statement {
  /** For count=planned/estimated: the statement whose EXPLAIN gives the estimate. */
  countStatement?: Statement
  /** Index of the parameter that receives the planned count (count=planned/estimated). */
  plannedParam?: number
}

function bodyExpr(shape: Shape, scalar: boolean, r: string): string {
  if (scalar) return `to_json((${r}).pgrst_scalar)::text`
  if (shape.accept === 'csv') return `substr(${r}::text, 2, length(${r}::text) - 2)`
  return shape.stripNulls ? `json_strip_nulls(row_to_json(${r}))::text` : `row_to_json(${r})::text`
}

/** How the statement's rows are read: all of them at once (`whole`), or through a cursor. */
export interface BuildOptions {
  whole?: boolean
}

function finalSelect(shape: Shape, total: string, options: BuildOptions, scalar = false): string {
  if (total === 'NULL::bigint') {
    // Without a total the empty page needs no row of its own: a plain scan of the source. Read
    // through a cursor, the page size must come with the first rows (Content-Range is sent
    // before the last row is read); read whole, it is the number of rows.
    const body = bodyExpr(shape, scalar, 'pgrst_s')
    const page = options.whole ? 'NULL::bigint' : 'count(*) OVER ()'
    return `SELECT NULL::bigint AS pgrst_total, ${page} AS pgrst_page, ${body} AS pgrst_body FROM pgrst_source AS pgrst_s`
  }
  return (
    `SELECT ${total} AS pgrst_total, count(pgrst_t.pgrst_r) OVER () AS pgrst_page, ${bodyExpr(shape, scalar, 'pgrst_t.pgrst_r')} AS pgrst_body ` +
    `FROM (SELECT 1) AS pgrst_one LEFT JOIN (SELECT pgrst_s AS pgrst_r FROM pgrst_source AS pgrst_s) AS pgrst_t ON TRUE`
  )
}

const exactCount = (countSql: (p: Params) => string, params: Params) => `(SELECT pg_catalog.count(*) FROM (${countSql(params)}) AS pgrst_c)`

/**
 * The total for `count=`: exact counts `countSql`'s rows (or the rows of the CTE `counted`, when
 * the statement already has them); planned and estimated use EXPLAIN of `countSql`, run first.
 */
function countSetup(plan: Plan, params: Params, countSql: (p: Params) => string, counted?: string): { total: string; countStatement?: Statement; plannedParam?: number } {
  const exact = () => (counted ? `(SELECT pg_catalog.count(*) FROM ${counted})` : exactCount(countSql, params))
  if (plan.count === 'exact') return { total: exact() }
  if (plan.count === 'planned' || plan.count === 'estimated') {
    // The estimate comes from EXPLAIN of the same count query, run first; its figure is bound here.
    const own = new Params()
    const countStatement = { text: `SELECT 1 FROM (${countSql(own)}) AS pgrst_c`, values: own.values }
    const p = params.bind(null)
    const plannedParam = params.values.length - 1
    // estimated: exact below ESTIMATE_THRESHOLD rows (Supabase's default max-rows), planned above.
    const total = plan.count === 'planned' ? `${p}::bigint` : `CASE WHEN ${p}::bigint > ${ESTIMATE_THRESHOLD} THEN ${p}::bigint ELSE ${exact()} END`
    return { total, countStatement, plannedParam }
  }
  return { total: 'NULL::bigint' }
}

const ESTIMATE_THRESHOLD = 1000

export function buildRead(plan: ReadPlan, options: BuildOptions = {}): BuiltQuery {
  const params = new Params()
  const aliases = new Aliases()
  const t = plan.node.table
  const from = qualify(t.schema, t.name)
  const source = buildSelect(plan.node, from, from, { params, aliases })
  const count = countSetup(plan, params, (p) => buildSelect(plan.node, from, from, { params: p, aliases }, [], true))
  const text = `WITH pgrst_source AS (${source}) ${finalSelect(plan, count.total, options)}`
  return withCount({ text, values: params.values }, count)
}

function withCount(q: BuiltQuery, count: { countStatement?: Statement; plannedParam?: number }): BuiltQuery {
  if (count.countStatement) q.countStatement = count.countStatement
  if (count.plannedParam !== undefined) q.plannedParam = count.plannedParam
  return q
}

/** Whether the statement can tell inserted rows from updated ones (xmax is 0 on a new row version). */
const countsInserts = (plan: MutatePlan) => plan.conflict !== undefined && (plan.table.kind === 'table' || plan.table.kind === 'partitioned table')

function returningFor(plan: MutatePlan): string {
  const target = qualify(plan.table.schema, plan.table.name)
  const inserted = countsInserts(plan) ? `(${target}.xmax = 0)` : 'TRUE'
  if (plan.returning === 'minimal') return `RETURNING ${inserted} AS pgrst_inserted`
  return `RETURNING ${target}.*, ${inserted} AS pgrst_inserted`
}

function insertValues(plan: MutatePlan, params: Params): string {
  const t = plan.table
  const target = qualify(t.schema, t.name)
  const body = params.bind(plan.body)
  // PUT writes only the body rows whose key is the URL's.
  const where = plan.putKey?.length ? ` WHERE ${plan.putKey.map(([c, v]) => `pgrst_r.${quoteIdent(c)} = ${params.bind(v)}`).join(' AND ')}` : ''
  if (!plan.missingDefault) {
    const cols = plan.columns.map((c) => `pgrst_r.${quoteIdent(c)}`).join(', ')
    return `SELECT ${cols} FROM json_populate_recordset(NULL::${target}, ${body}::json) AS pgrst_r${where}`
  }
  const cols = plan.columns.map((c) => {
    const column = t.columnMap.get(c)!
    let fallback = column.defaultExpr ?? 'NULL'
    if (column.identity) fallback = `nextval(pg_get_serial_sequence(${params.bind(target)}, ${params.bind(c)}))`
    return `CASE WHEN pgrst_e.j::jsonb ? ${params.bind(c)} THEN pgrst_r.${quoteIdent(c)} ELSE ${fallback} END`
  })
  return `SELECT ${cols.join(', ')} FROM json_array_elements(${body}::json) AS pgrst_e(j), LATERAL json_populate_record(NULL::${target}, pgrst_e.j) AS pgrst_r${where}`
}

function mutation(plan: MutatePlan, params: Params): string {
  const t = plan.table
  const target = qualify(t.schema, t.name)
  const returning = returningFor(plan)
  if (plan.kind === 'insert' || plan.kind === 'upsert-put') {
    const cols = plan.columns.map(quoteIdent).join(', ')
    let sql = `INSERT INTO ${target}${plan.columns.length ? ` (${cols})` : ''} ${insertValues(plan, params)}`
    if (plan.conflict) {
      const target2 = plan.conflict.columns.length ? ` (${plan.conflict.columns.map(quoteIdent).join(', ')})` : ''
      const sets = plan.columns.map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`)
      sql += plan.conflict.action === 'ignore' || !sets.length ? ` ON CONFLICT${target2} DO NOTHING` : ` ON CONFLICT${target2} DO UPDATE SET ${sets.join(', ')}`
    }
    return `${sql} ${returning}`
  }
  // An update of no columns changes nothing (and binds nothing: its filters are not needed).
  if (plan.kind === 'update' && !plan.columns.length) return `SELECT ${target}.*, FALSE AS pgrst_inserted FROM ${target} WHERE FALSE`
  const where = plan.filters.map((f) => buildFilter(f, target, params, NO_EMBEDS))
  if (plan.limit !== undefined) {
    const inner = '"pgrst_limited"'
    const innerWhere = plan.filters.map((f) => buildFilter(f, inner, params, NO_EMBEDS))
    const order = plan.order.map((o) => `${inner}.${quoteIdent(o.column)}${o.direction === 'desc' ? ' DESC' : ''}${o.nulls ? (o.nulls === 'first' ? ' NULLS FIRST' : ' NULLS LAST') : ''}`)
    where.push(
      `${target}.ctid = ANY(ARRAY(SELECT ${inner}.ctid FROM ${target} AS ${inner}${innerWhere.length ? ` WHERE ${innerWhere.join(' AND ')}` : ''}${order.length ? ` ORDER BY ${order.join(', ')}` : ''} LIMIT ${params.bind(plan.limit)}${plan.offset ? ` OFFSET ${params.bind(plan.offset)}` : ''}))`,
    )
  }
  const whereSql = where.length ? ` WHERE ${where.join(' AND ')}` : ''
  if (plan.kind === 'delete') return `DELETE FROM ${target}${whereSql} ${returning}`
  const body = params.bind(plan.body)
  // missing=default: a column named in columns= but absent from the body takes its default.
  const sets = plan.columns.map((c) => {
    const value = `pgrst_r.${quoteIdent(c)}`
    if (!plan.missingDefault) return `${quoteIdent(c)} = ${value}`
    return `${quoteIdent(c)} = CASE WHEN ${body}::jsonb ? ${params.bind(c)} THEN ${value} ELSE ${t.columnMap.get(c)?.defaultExpr ?? 'NULL'} END`
  })
  return `UPDATE ${target} SET ${sets.join(', ')} FROM (SELECT * FROM json_populate_record(NULL::${target}, ${body}::json)) AS pgrst_r${whereSql} ${returning}`
}

/**
 * How many rows an upsert inserted (rather than updated): a table says so through xmax; for a view
 * the body rows whose key was absent are counted, in the statement's snapshot (taken before the
 * insert, as every part of one statement sees the same one).
 */
function insertedCount(plan: MutatePlan, params: Params): string {
  if (!plan.conflict) return 'NULL::bigint'
  if (countsInserts(plan)) return '(SELECT count(*) FROM pgrst_mutation WHERE pgrst_mutation.pgrst_inserted)'
  const target = qualify(plan.table.schema, plan.table.name)
  const same = plan.conflict.columns.map((c) => `pgrst_x.${quoteIdent(c)} = pgrst_b.${quoteIdent(c)}`)
  const put = (plan.putKey ?? []).map(([c, v]) => ` AND pgrst_b.${quoteIdent(c)} = ${params.bind(v)}`).join('')
  return `(SELECT count(*) FROM json_populate_recordset(NULL::${target}, ${params.bind(plan.body)}::json) AS pgrst_b WHERE NOT EXISTS (SELECT 1 FROM ${target} AS pgrst_x WHERE ${same.join(' AND ')})${put})`
}

/**
 * A write's rows are (rows inserted, page size, body): the first column, the total of a read,
 * counts the new rows of an upsert instead (inserts from updates, for 200/201).
 */
export function buildMutate(plan: MutatePlan): BuiltQuery {
  const params = new Params()
  const aliases = new Aliases()
  const sql = mutation(plan, params)
  const inserted = insertedCount(plan, params)
  if (plan.returning === 'minimal') {
    return { text: `WITH pgrst_mutation AS (${sql}) SELECT ${inserted} AS pgrst_total, count(*) AS pgrst_page, NULL::text AS pgrst_body FROM pgrst_mutation`, values: params.values }
  }
  let source: string
  if (plan.returning === 'headers-only') {
    const pk = plan.table.primaryKey
    source = `SELECT ${pk.length ? pk.map((c) => `pgrst_mutation.${quoteIdent(c)}`).join(', ') : 'NULL AS pgrst_none'} FROM pgrst_mutation`
  } else {
    source = buildSelect(plan.node, 'pgrst_mutation', 'pgrst_mutation', { params, aliases })
  }
  const shape: Shape = plan.returning === 'headers-only' ? { ...plan, accept: 'json', stripNulls: false } : plan
  return { text: `WITH pgrst_mutation AS (${sql}), pgrst_source AS (${source}) ${finalSelect(shape, inserted, {})}`, values: params.values }
}

function callFrom(routine: Routine, plan: CallPlan, params: Params): { args: string; call: string } {
  const fn = qualify(routine.schema, routine.name)
  if (plan.singleUnnamed) return { args: '', call: `${fn}(${params.bind(plan.args)}::${routine.params[0]!.type})` }
  const provided = Object.keys(JSON.parse(plan.args) as object)
  const used = routine.params.filter((p) => provided.includes(p.name))
  if (!used.length) return { args: '', call: `${fn}()` }
  const defs = used.map((p) => `${quoteIdent(p.name)} ${p.type}`).join(', ')
  return {
    args: `json_to_record(${params.bind(plan.args)}::json) AS pgrst_args(${defs})`,
    call: `${fn}(${used.map((p) => `${quoteIdent(p.name)} := pgrst_args.${quoteIdent(p.name)}`).join(', ')})`,
  }
}

export function buildCall(plan: CallPlan, options: BuildOptions = {}): BuiltQuery {
  const params = new Params()
  const aliases = new Aliases()
  const routine = plan.routine
  const { args, call } = callFrom(routine, plan, params)
  const fromArgs = args ? ` FROM ${args}` : ''
  if (routine.returnKind === 'void') {
    return { text: `WITH pgrst_source AS (SELECT ${call}${fromArgs}) SELECT NULL::bigint AS pgrst_total, count(*) AS pgrst_page, NULL::text AS pgrst_body FROM pgrst_source`, values: params.values }
  }
  const from = `${args ? `${args} CROSS JOIN LATERAL ` : ''}${call} AS pgrst_call`
  if (plan.node) {
    if (!plan.count) {
      const source = buildSelect(plan.node, from, 'pgrst_call', { params, aliases })
      return { text: `WITH pgrst_source AS (${source}) ${finalSelect(plan, 'NULL::bigint', options)}`, values: params.values }
    }
    // Counted: the function runs once (a volatile one must not run twice); the page is cut from
    // its filtered rows, the total counted over all of them.
    const { limit, offset, ...unpaged } = plan.node
    const all = buildSelect(unpaged, from, 'pgrst_call', { params, aliases })
    const count = countSetup(plan, params, (p) => buildSelect(plan.node!, from, 'pgrst_call', { params: p, aliases }, [], true), 'pgrst_all')
    return withCount({ text: `WITH pgrst_all AS (${all}), pgrst_source AS (SELECT * FROM pgrst_all${page(limit, offset, params)}) ${finalSelect(plan, count.total, options)}`, values: params.values }, count)
  }
  if (!routine.returnsSet) {
    // One value: its count, when asked, is 1.
    return { text: `WITH pgrst_source AS (SELECT ${call} AS pgrst_scalar${fromArgs}) ${finalSelect(plan, plan.count ? '1::bigint' : 'NULL::bigint', options, true)}`, values: params.values }
  }
  const all = `SELECT pgrst_call.pgrst_scalar FROM ${from}(pgrst_scalar)`
  if (!plan.count) {
    return { text: `WITH pgrst_source AS (${all}${page(plan.limit, plan.offset, params)}) ${finalSelect(plan, 'NULL::bigint', options, true)}`, values: params.values }
  }
  return {
    text: `WITH pgrst_all AS (${all}), pgrst_source AS (SELECT * FROM pgrst_all${page(plan.limit, plan.offset, params)}) ${finalSelect(plan, '(SELECT count(*) FROM pgrst_all)', options, true)}`,
    values: params.values,
  }
}

function page(limit: number | undefined, offset: number | undefined, params: Params): string {
  return `${limit !== undefined ? ` LIMIT ${params.bind(limit)}` : ''}${offset ? ` OFFSET ${params.bind(offset)}` : ''}`
}

export function buildStatement(plan: Plan, options: BuildOptions = {}): BuiltQuery {
  if (plan.kind === 'read') return buildRead(plan, options)
  if (plan.kind === 'call') return buildCall(plan, options)
  return buildMutate(plan)
}
