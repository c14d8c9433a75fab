// ReadNode → SELECT. Embeds become LEFT JOIN LATERAL subqueries whose JSON is built by
// PostgreSQL (row_to_json / json_agg), as PostgREST does; to-one embeds also expose their columns
// for spreads and related ordering.
import type { EmbedPlan, PlanFilter, ReadNode } from '../plan/types.ts'
import { qualify, quoteIdent, columnExpr, type Aliases, type Params } from './fragments.ts'
import { NO_EMBEDS, buildFilter, type EmbedFilterSql } from './build-filters.ts'

export interface NodeContext {
  params: Params
  aliases: Aliases
}

/** Output column names of a node, spreads flattened. */
export function outputNames(node: ReadNode): string[] {
  return node.select.flatMap((item) => {
    if (item.kind !== 'embed') return [item.as]
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

/**
 * The rows of an embed for one parent row, as a FROM item and WHERE terms: the join to the parent
 * and the embed's own filters (its emptiness tests and embed conditions as EXISTS, since no
 * lateral is joined here). For EXISTS conditions and ordering by an embed's column.
 */
function embedRows(embed: EmbedPlan, parentRef: string, ctx: NodeContext): { childRef: string; from: string; where: string[] } {
  const childRef = ctx.aliases.next(embed.relationship.target.name)
  const { from, where } = joinCondition(embed, parentRef, childRef, ctx.aliases.next('pgrst_junction'))
  const node = embed.node
  const own: EmbedFilterSql = {
    marker: (i) => `(SELECT 1 WHERE ${existsIn(node.embeds[i]!, childRef, ctx, [])})`,
    exists: (f) => embedExists(node.embeds, f, childRef, ctx),
  }
  node.embeds.forEach((e) => {
    if (e.inner) where.push(existsIn(e, childRef, ctx, []))
  })
  for (const f of node.filters) where.push(buildFilter(f, childRef, ctx.params, own))
  return { childRef, from, where }
}

/** EXISTS (a row of `embed` for this parent meeting `conditions(childRef)`). */
function existsIn(embed: EmbedPlan, parentRef: string, ctx: NodeContext, conditions: ((childRef: string) => string)[]): string {
  const rows = embedRows(embed, parentRef, ctx)
  const where = [...rows.where, ...conditions.map((c) => c(rows.childRef))]
  return `EXISTS (SELECT 1 FROM ${rows.from}${where.length ? ` WHERE ${where.join(' AND ')}` : ''})`
}

/** `or=(books.year.gt.2000)`: some row of the embed (through nested ones) meets the condition. */
function embedExists(embeds: EmbedPlan[], f: Extract<PlanFilter, { kind: 'embed-condition' }>, parentRef: string, ctx: NodeContext): string {
  const descend = (embed: EmbedPlan, through: number[]): ((childRef: string) => string) => {
    if (!through.length) return (childRef) => buildFilter(f.condition, childRef, ctx.params, NO_EMBEDS)
    const next = embed.node.embeds[through[0]!]!
    return (childRef) => existsIn(next, childRef, ctx, [descend(next, through.slice(1))])
  }
  const embed = embeds[f.embed]!
  return existsIn(embed, parentRef, ctx, [descend(embed, f.through)])
}

/**
 * ORDER BY for a node. An embed's column orders by a subquery — its value (to-one) or its rows'
 * min/max (to-many), under its filters — except in an aggregated node, where a to-one embed's
 * selected column is read from its lateral and joins the GROUP BY (`groupBy`).
 */
function orderBy(node: ReadNode, ref: string, ctx: NodeContext, laterals: Lateral[], groupBy: string[]): string {
  if (!node.order.length) return ''
  const terms = node.order.map((o) => {
    let term: string
    const embed = o.embed !== undefined ? node.embeds[o.embed]! : undefined
    if (embed && node.aggregated && embed.toOne && !o.path.length && outputNames(embed.node).includes(o.column)) {
      term = `${laterals[o.embed!]!.ref}.${quoteIdent(o.column)}`
      groupBy.push(term)
    } else if (embed) {
      const rows = embedRows(embed, ref, ctx)
      const value = columnExpr(rows.childRef, o, ctx.params)
      const where = rows.where.length ? ` WHERE ${rows.where.join(' AND ')}` : ''
      term = o.embedAggregate ? `(SELECT ${o.embedAggregate}(${value}) FROM ${rows.from}${where})` : `(SELECT ${value} FROM ${rows.from}${where} LIMIT 1)`
    } else term = columnExpr(ref, o, ctx.params)
    if (o.direction) term += o.direction === 'desc' ? ' DESC' : ' ASC'
    if (o.nulls) term += o.nulls === 'first' ? ' NULLS FIRST' : ' NULLS LAST'
    return term
  })
  return ` ORDER BY ${terms.join(', ')}`
}

/**
 * SELECT for one node. `from` is the FROM item (with alias), `ref` how columns are qualified,
 * `extraWhere` the join conditions to the parent. `countOnly` selects 1 without order or paging.
 * An aggregated node groups by its other items (embeds as jsonb: json has no equality).
 */
export function buildSelect(node: ReadNode, from: string, ref: string, ctx: NodeContext, extraWhere: string[] = [], countOnly = false): string {
  const { params } = ctx
  const laterals = node.embeds.map((e) => buildLateral(e, ref, ctx))
  const items: string[] = []
  const groupBy: string[] = []
  const plain = (expr: string, as: string) => {
    items.push(`${expr} AS ${quoteIdent(as)}`)
    if (node.aggregated) groupBy.push(expr)
  }
  for (const item of node.select) {
    if (item.kind === 'count') {
      items.push(`${item.cast ? `(count(*))::${item.cast}` : 'count(*)'} AS ${quoteIdent(item.as)}`)
      continue
    }
    if (item.kind === 'column') {
      let expr = columnExpr(ref, item, params)
      if (item.cast) expr = `(${expr})::${item.cast}`
      if (!item.aggregate) {
        plain(expr, item.as)
        continue
      }
      expr = `${item.aggregate.fn}(${expr})`
      if (item.aggregate.cast) expr = `(${expr})::${item.aggregate.cast}`
      items.push(`${expr} AS ${quoteIdent(item.as)}`)
      continue
    }
    const embed = node.embeds[item.embed]!
    const lateral = laterals[item.embed]!
    const json = (expr: string) => (node.aggregated ? `(${expr})::jsonb` : expr)
    if (embed.spread) {
      for (const name of outputNames(embed.node)) plain(`${lateral.ref}.${quoteIdent(name)}`, name)
    } else if (embed.toOne) plain(json(`${lateral.ref}.pgrst_body`), embed.as)
    else plain(json(`COALESCE(${lateral.ref}.pgrst_body, '[]')`), embed.as)
  }
  const where = [...extraWhere]
  node.embeds.forEach((e, i) => {
    if (e.inner) where.push(`${laterals[i]!.marker} IS NOT NULL`)
  })
  const embeds: EmbedFilterSql = {
    marker: (i) => laterals[i]!.marker,
    exists: (f) => embedExists(node.embeds, f, ref, ctx),
  }
  for (const f of node.filters) where.push(buildFilter(f, ref, params, embeds))
  let sql = `SELECT ${countOnly ? '1' : items.join(', ') || 'NULL'} FROM ${from}`
  if (laterals.length) sql += ` ${laterals.map((l) => l.sql).join(' ')}`
  if (where.length) sql += ` WHERE ${where.join(' AND ')}`
  const order = countOnly ? '' : orderBy(node, ref, ctx, laterals, groupBy)
  if (groupBy.length) sql += ` GROUP BY ${groupBy.join(', ')}`
  // Aggregates without groups make exactly one row, whatever the rows under them.
  if (countOnly) return node.aggregated && !groupBy.length ? 'SELECT 1' : sql
  sql += order
  if (node.limit !== undefined) sql += ` LIMIT ${params.bind(node.limit)}`
  if (node.offset) sql += ` OFFSET ${params.bind(node.offset)}`
  return sql
}
