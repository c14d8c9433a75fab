// ReadNode → SELECT. Embeds become LEFT JOIN LATERAL subqueries whose JSON is built by
// PostgreSQL (row_to_json / json_agg), as PostgREST does; to-one embeds also expose their columns
// for spreads and related ordering.
import type { EmbedPlan, PlanOrder, ReadNode } from '../plan/types.ts'
import { qualify, quoteIdent, columnExpr, type Aliases, type Params } from './fragments.ts'
import { buildFilter } from './build-filters.ts'

export interface NodeContext {
  params: Params
  aliases: Aliases
}

/** Output column names of a node, spreads flattened. */
export function outputNames(node: ReadNode): string[] {
  return node.select.flatMap((item) => {
    if (item.kind === 'column') return [item.as]
    const embed = node.embeds[item.embed]!
    return embed.spread ? outputNames(embed.node) : [embed.as]
  })
}

function joinCondition(embed: EmbedPlan, parentRef: string, childRef: string, junctionRef: string): { from: string; where: string[] } {
  const rel = embed.relationship
  const target = qualify(rel.target.schema, rel.target.name)
  if (rel.kind === 'many-to-many') {
    const j = qualify(rel.junction.schema, rel.junction.name)
    const on = rel.targetFk.columns.map((c, i) => `${junctionRef}.${quoteIdent(c)} = ${childRef}.${quoteIdent(rel.targetFk.refColumns[i]!)}`)
    const where = rel.sourceFk.columns.map((c, i) => `${junctionRef}.${quoteIdent(c)} = ${parentRef}.${quoteIdent(rel.sourceFk.refColumns[i]!)}`)
    return { from: `${target} AS ${childRef} JOIN ${j} AS ${junctionRef} ON ${on.join(' AND ')}`, where }
  }
  return {
    from: `${target} AS ${childRef}`,
    where: rel.pairs.map(([s, t]) => `${childRef}.${quoteIdent(t)} = ${parentRef}.${quoteIdent(s)}`),
  }
}

interface Lateral {
  sql: string
  /** Expression that is NULL exactly when the embed found nothing. */
  marker: string
  ref: string
}

function buildLateral(embed: EmbedPlan, parentRef: string, ctx: NodeContext): Lateral {
  const childRef = ctx.aliases.next(embed.relationship.target.name)
  const junctionRef = ctx.aliases.next('pgrst_junction')
  const lateralRef = ctx.aliases.next('pgrst_embed')
  const { from, where } = joinCondition(embed, parentRef, childRef, junctionRef)
  const inner = buildSelect(embed.node, from, childRef, ctx, where)
  let body: string
  if (embed.toOne) body = `SELECT row_to_json(pgrst_x) AS pgrst_body, 1 AS pgrst_found, pgrst_x.* FROM (${inner}) AS pgrst_x`
  else body = `SELECT json_agg(pgrst_x) AS pgrst_body FROM (${inner}) AS pgrst_x`
  return {
    sql: `LEFT JOIN LATERAL (${body}) AS ${lateralRef} ON TRUE`,
    marker: embed.toOne ? `${lateralRef}.pgrst_found` : `${lateralRef}.pgrst_body`,
    ref: lateralRef,
  }
}

function orderBy(order: PlanOrder[], ref: string, laterals: Lateral[], params: Params): string {
  if (!order.length) return ''
  const terms = order.map((o) => {
    const base = o.embed !== undefined ? laterals[o.embed]!.ref : ref
    let term = columnExpr(base, o, params)
    if (o.direction) term += o.direction === 'desc' ? ' DESC' : ' ASC'
    if (o.nulls) term += o.nulls === 'first' ? ' NULLS FIRST' : ' NULLS LAST'
    return term
  })
  return ` ORDER BY ${terms.join(', ')}`
}

/**
 * SELECT for one node. `from` is the FROM item (with alias), `ref` how columns are qualified,
 * `extraWhere` the join conditions to the parent. `countOnly` selects 1 without order or paging.
 */
export function buildSelect(node: ReadNode, from: string, ref: string, ctx: NodeContext, extraWhere: string[] = [], countOnly = false): string {
  const { params } = ctx
  const laterals = node.embeds.map((e) => buildLateral(e, ref, ctx))
  const items: string[] = []
  for (const item of node.select) {
    if (item.kind === 'column') {
      let expr = columnExpr(ref, item, params)
      if (item.cast) expr = `(${expr})::${item.cast}`
      items.push(`${expr} AS ${quoteIdent(item.as)}`)
      continue
    }
    const embed = node.embeds[item.embed]!
    const lateral = laterals[item.embed]!
    if (embed.spread) {
      for (const name of outputNames(embed.node)) items.push(`${lateral.ref}.${quoteIdent(name)} AS ${quoteIdent(name)}`)
    } else if (embed.toOne) items.push(`${lateral.ref}.pgrst_body AS ${quoteIdent(embed.as)}`)
    else items.push(`COALESCE(${lateral.ref}.pgrst_body, '[]') AS ${quoteIdent(embed.as)}`)
  }
  const where = [...extraWhere]
  node.embeds.forEach((e, i) => {
    if (e.inner) where.push(`${laterals[i]!.marker} IS NOT NULL`)
  })
  for (const f of node.filters) where.push(buildFilter(f, ref, params, (i) => laterals[i]!.marker))
  let sql = `SELECT ${countOnly ? '1' : items.join(', ') || 'NULL'} FROM ${from}`
  if (laterals.length) sql += ` ${laterals.map((l) => l.sql).join(' ')}`
  if (where.length) sql += ` WHERE ${where.join(' AND ')}`
  if (countOnly) return sql
  sql += orderBy(node.order, ref, laterals, params)
  if (node.limit !== undefined) sql += ` LIMIT ${params.bind(node.limit)}`
  if (node.offset) sql += ` OFFSET ${params.bind(node.offset)}`
  return sql
}
