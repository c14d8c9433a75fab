// PlanFilter → a WHERE condition with every value bound. One operator table, PostgREST's.
import type { PlanFilter } from '../plan/types.ts'
import { columnExpr, type Params } from './fragments.ts'

const SIMPLE: Record<string, string> = {
  eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=', like: 'LIKE', ilike: 'ILIKE', match: '~', imatch: '~*',
  isdistinct: 'IS DISTINCT FROM', cs: '@>', cd: '<@', ov: '&&', sl: '<<', sr: '>>', nxr: '&<', nxl: '&>', adj: '-|-',
}
const FTS: Record<string, string> = { fts: 'to_tsquery', plfts: 'plainto_tsquery', phfts: 'phraseto_tsquery', wfts: 'websearch_to_tsquery' }
const IS: Record<string, string> = { null: 'NULL', not_null: 'NOT NULL', true: 'TRUE', false: 'FALSE', unknown: 'UNKNOWN' }

/** How a node's filters reach its embeds: emptiness (`embed=is.null`) and conditions on their columns. */
export interface EmbedFilterSql {
  /** An expression that is NULL exactly when embed i found nothing. */
  marker(embed: number): string
  /** The SQL of an `embed-condition` (an EXISTS over the embed's rows). */
  exists(filter: Extract<PlanFilter, { kind: 'embed-condition' }>): string
}

/** Writes name no embeds. */
export const NO_EMBEDS: EmbedFilterSql = {
  marker: () => 'NULL',
  exists: () => 'FALSE',
}

export function buildFilter(filter: PlanFilter, ref: string, params: Params, embeds: EmbedFilterSql): string {
  if (filter.kind === 'logic') {
    const parts = filter.children.map((c) => buildFilter(c, ref, params, embeds))
    const joined = parts.length ? `(${parts.join(filter.operator === 'and' ? ' AND ' : ' OR ')})` : filter.operator === 'and' ? 'TRUE' : 'FALSE'
    return filter.negated ? `NOT ${joined}` : joined
  }
  if (filter.kind === 'embed-null') return `${embeds.marker(filter.embed)} IS ${filter.isNull ? '' : 'NOT '}NULL`
  if (filter.kind === 'embed-condition') return embeds.exists(filter)
  const lhs = columnExpr(ref, filter, params)
  let sql: string
  const op = filter.operator
  const value = filter.value
  if (op === 'in') {
    sql = `${lhs} = ANY(${params.bind(Array.isArray(value) ? value : [value])})`
  } else if (op === 'is') {
    sql = `${lhs} IS ${IS[String(value)] ?? 'NULL'}`
  } else if (op in FTS) {
    const lang = filter.language !== undefined ? `${params.bind(filter.language)}::regconfig, ` : ''
    sql = `${lhs} @@ ${FTS[op]}(${lang}${params.bind(String(value))})`
  } else {
    const text = op === 'like' || op === 'ilike' ? String(value).replace(/\*/g, '%') : String(value)
    if (filter.quantifier) sql = `${lhs} ${SIMPLE[op]} ${filter.quantifier.toUpperCase()}(${params.bind(text)})`
    else sql = `${lhs} ${SIMPLE[op]} ${params.bind(text)}`
  }
  return filter.negated ? `NOT (${sql})` : sql
}
