// Select tree + per-node filters/order/paging → ReadNode, checking every column against the
// schema cache (unknown columns fail like PostgreSQL's 42703, as PostgREST's do).
import { ApiError } from '@pgstack/common'
import { errors, ownErrors } from '../errors.ts'
import { fieldOutputName } from '../request/scanner.ts'
import type { Condition, FilterNode, JsonStep, NodeParams, OrderTerm, SelectItem } from '../request/types.ts'
import type { SchemaCache, Table } from '../schema-cache.ts'
import { findRelationship, isToOne } from './relationships.ts'
import type { ComputedRef, EmbedPlan, PlanFilter, PlanOrder, PlanSelect, ReadNode } from './types.ts'

export function unknownColumn(table: Table, column: string): ApiError {
  return new ApiError(400, '42703', `column ${table.name}.${column} does not exist`)
}

export function checkColumn(table: Table, column: string): string {
  if (!table.columnMap.has(column)) throw unknownColumn(table, column)
  return column
}

const isJson = (type: string) => type === 'json' || type === 'jsonb'

/**
 * A column, or a computed field (a function of the row), with its JSON path: `{ column,
 * computed, toJson }`. Arrows on a value that is not json/jsonb (an array, a composite) go through
 * `to_jsonb`, as PostgREST does.
 */
export function resolveColumn(table: Table, column: string, path: JsonStep[] = []): { column: string; computed?: ComputedRef; toJson?: true } {
  const col = table.columnMap.get(column)
  if (col) return path.length && !isJson(col.type) ? { column, toJson: true } : { column }
  const fn = table.computed?.get(column)
  if (!fn) throw unknownColumn(table, column)
  const out: { column: string; computed: ComputedRef; toJson?: true } = { column, computed: { schema: fn.schema, name: fn.name } }
  if (path.length && !isJson(fn.returnType)) out.toJson = true
  return out
}

/** The position of the embed named (aliased) `name` among `embeds`. */
function embedIndex(embeds: EmbedPlan[], name: string): number | undefined {
  const i = embeds.findIndex((e) => e.as === name)
  return i === -1 ? undefined : i
}

/**
 * `embeds`: the embeds a filter may name (`embed=is.null`, and in logic trees `embed.col.op.v`);
 * none for writes.
 */
export function planFilters(table: Table, filters: FilterNode[], embeds: EmbedPlan[] = []): PlanFilter[] {
  return filters.map((f): PlanFilter => {
    if (f.kind === 'logic') {
      return { kind: 'logic', operator: f.operator, negated: f.negated, children: planFilters(table, f.children, embeds) }
    }
    if (f.embedPath?.length) return planEmbedCondition(f, embeds)
    const embed = f.field.path.length === 0 && !table.columnMap.has(f.field.name) ? embedIndex(embeds, f.field.name) : undefined
    if (embed !== undefined) {
      const isNull = f.operator === 'is' && (f.value === 'null' || f.value === 'not_null')
      if (!isNull) throw errors.embedFilter(f.field.name)
      return { kind: 'embed-null', embed, isNull: (f.value === 'null') !== f.negated }
    }
    const planned: PlanFilter = {
      kind: 'condition',
      ...resolveColumn(table, f.field.name, f.field.path),
      path: f.field.path,
      negated: f.negated,
      operator: f.operator,
      value: f.value,
    }
    if (f.quantifier) planned.quantifier = f.quantifier
    if (f.language !== undefined) planned.language = f.language
    return planned
  })
}

/** `or=(books.year.gt.2000,…)`: a condition on an embed's column, through nested embeds. */
function planEmbedCondition(f: Condition, embeds: EmbedPlan[]): PlanFilter {
  const [first, ...rest] = f.embedPath!
  const index = embedIndex(embeds, first!)
  if (index === undefined) throw errors.notEmbedded(first!)
  let embed = embeds[index]!
  const through: number[] = []
  for (const name of rest) {
    const next = embedIndex(embed.node.embeds, name)
    if (next === undefined) throw errors.notEmbedded(name)
    through.push(next)
    embed = embed.node.embeds[next]!
  }
  const [condition] = planFilters(embed.node.table, [{ ...f, embedPath: [] }])
  return { kind: 'embed-condition', embed: index, through, condition: condition! }
}

/** `embeds`: the embeds an order term may name (`embed(column)`); none for writes. */
export function planOrder(node: ReadNode, terms: OrderTerm[] | undefined, embeds: EmbedPlan[]): PlanOrder[] {
  return (terms ?? []).map((term) => {
    const planned: PlanOrder = { column: term.field.name, path: term.field.path }
    if (term.relation !== undefined) {
      const index = embedIndex(embeds, term.relation)
      if (index === undefined) throw errors.notEmbedded(term.relation)
      const embed = embeds[index]!
      Object.assign(planned, resolveColumn(embed.node.table, term.field.name, term.field.path))
      planned.embed = index
      // Beyond PostgREST: a to-many embed orders its parents by its smallest value (ascending) or
      // its largest (descending) — "authors by their latest book".
      if (!embed.toOne) planned.embedAggregate = term.direction === 'desc' ? 'max' : 'min'
    } else Object.assign(planned, resolveColumn(node.table, term.field.name, term.field.path))
    if (term.direction) planned.direction = term.direction
    if (term.nulls) planned.nulls = term.nulls
    return planned
  })
}

/** A column, a computed field or an aggregate; `select=count` on a table without such a column is `count()`. */
function planColumn(table: Table, item: Extract<SelectItem, { kind: 'column' }>): PlanSelect {
  const aggregate = item.aggregate
  const countAll = item.field.name === '' || (item.field.name === 'count' && !item.field.path.length && !item.cast && !aggregate && !table.columnMap.has('count') && !table.computed?.has('count'))
  if (countAll) {
    const planned: PlanSelect = { kind: 'count', as: item.alias ?? 'count' }
    if (aggregate?.cast) planned.cast = aggregate.cast
    return planned
  }
  const planned: PlanSelect = {
    kind: 'column',
    ...resolveColumn(table, item.field.name, item.field.path),
    path: item.field.path,
    as: item.alias ?? (aggregate ? aggregate.fn : fieldOutputName(item.field)),
  }
  if (item.cast) planned.cast = item.cast
  if (aggregate) planned.aggregate = aggregate
  return planned
}

/**
 * Plans one node of the select tree. `path` is this node's key in `nodes` ('' for the root);
 * every key of `nodes` must be reached by some node, else PGRST108.
 */
export function planNode(
  cache: SchemaCache,
  table: Table,
  select: SelectItem[],
  nodes: Map<string, NodeParams>,
  path: string[],
  visited: Set<string>,
): ReadNode {
  const key = path.join('.')
  visited.add(key)
  const params = nodes.get(key) ?? { filters: [] }
  const node: ReadNode = { table, select: [], filters: [], order: [], embeds: [] }
  const items: PlanSelect[] = []
  for (const item of select) {
    if (item.kind === 'star') {
      for (const column of table.columns) items.push({ kind: 'column', column: column.name, path: [], as: column.name })
    } else if (item.kind === 'column') {
      items.push(planColumn(table, item))
    } else {
      const relationship = findRelationship(cache, table, item.name, item.hint)
      const as = item.alias ?? item.name
      const toOne = isToOne(relationship)
      if (item.spread && !toOne) throw errors.spreadNotToOne(table.name, item.name)
      const child = planNode(cache, relationship.target, item.select, nodes, [...path, as], visited)
      if (item.spread && child.aggregated) throw ownErrors.spreadAggregate(item.name)
      node.embeds.push({ as, relationship, node: child, inner: item.join === 'inner', spread: item.spread, toOne })
      // An embed that selects nothing (`rel()`, or only such embeds) filters without showing.
      if (child.select.length) items.push({ kind: 'embed', embed: node.embeds.length - 1 })
    }
  }
  node.select = items
  if (items.some((i) => i.kind === 'count' || (i.kind === 'column' && i.aggregate))) node.aggregated = true
  node.filters = planFilters(table, params.filters, node.embeds)
  node.order = planOrder(node, params.order, node.embeds)
  if (params.limit !== undefined) node.limit = params.limit
  if (params.offset !== undefined) node.offset = params.offset
  return node
}

/** After planning the tree, any node parameters for an unknown embed path are PGRST108. */
export function checkAllNodesUsed(nodes: Map<string, NodeParams>, visited: Set<string>): void {
  for (const [key, params] of nodes) {
    if (visited.has(key)) continue
    if (!params.filters.length && !params.order && params.limit === undefined && params.offset === undefined) continue
    throw errors.notEmbedded(key.split('.').pop() ?? key)
  }
}
