// Reading and writing a table's rows through /rest/v1, as any PostgREST client would: filters,
// order and range in the query string, the schema in Accept-/Content-Profile, the key in filters.
// Builds the requests only; Api sends them. Values keep PostgreSQL's digits (lossless parse).
import type { Api, ApiError } from './api.ts'

export type FilterOp = 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte' | 'like' | 'ilike' | 'is' | 'in'

export interface RowFilter {
  column: string
  op: FilterOp
  value: string
}

export interface RowOrder {
  column: string
  ascending: boolean
}

export interface RowPage {
  rows: Array<Record<string, unknown>>
  /** Rows matching the filters, as Content-Range reports it; null when unknown. */
  total: number | null
}

export const FILTER_OPS: Array<{ op: FilterOp; label: string }> = [
  { op: 'eq', label: '=' },
  { op: 'neq', label: '≠' },
  { op: 'gt', label: '>' },
  { op: 'gte', label: '≥' },
  { op: 'lt', label: '<' },
  { op: 'lte', label: '≤' },
  { op: 'like', label: 'like' },
  { op: 'ilike', label: 'ilike' },
  { op: 'is', label: 'is' },
  { op: 'in', label: 'in' },
]

/** A filter as PostgREST reads it: `in` takes a comma list, `like` takes `*` as well as `%`. */
export function filterParam(filter: RowFilter): [string, string] {
  if (filter.op === 'in') {
    const items = filter.value.split(',').map((v) => `"${v.trim().replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)
    return [filter.column, `in.(${items.join(',')})`]
  }
  if (filter.op === 'is') return [filter.column, `is.${filter.value.trim().toLowerCase() || 'null'}`]
  return [filter.column, `${filter.op}.${filter.value}`]
}

function profile(schema: string, write: boolean): Record<string, string> {
  return write ? { 'content-profile': schema } : { 'accept-profile': schema }
}

/** The key filters that pick exactly one row. */
function keyQuery(key: Record<string, string>): URLSearchParams {
  const query = new URLSearchParams()
  for (const [column, value] of Object.entries(key)) query.append(column, `eq.${value}`)
  return query
}

export async function readRows(
  api: Api,
  target: { schema: string; table: string },
  options: { filters: RowFilter[]; order: RowOrder[]; offset: number; limit: number; exactCount: boolean; signal?: AbortSignal },
): Promise<{ data: RowPage; error: null } | { data: null; error: ApiError }> {
  const query = new URLSearchParams()
  query.set('select', '*')
  for (const filter of options.filters) query.append(...filterParam(filter))
  if (options.order.length) query.set('order', options.order.map((o) => `${o.column}.${o.ascending ? 'asc' : 'desc'}.nullslast`).join(','))
  query.set('offset', String(options.offset))
  query.set('limit', String(options.limit))
  const result = await api.get<Array<Record<string, unknown>>>(`/rest/v1/${encodeURIComponent(target.table)}`, {
    query,
    headers: { ...profile(target.schema, false), prefer: `count=${options.exactCount ? 'exact' : 'estimated'}` },
    lossless: true,
    signal: options.signal,
  })
  if (result.error) return result
  const range = result.headers.get('content-range') ?? ''
  const total = /\/(\d+)$/.exec(range)?.[1]
  return { data: { rows: result.data, total: total === undefined ? null : Number(total) }, error: null }
}

export async function insertRow(api: Api, target: { schema: string; table: string }, values: Record<string, unknown>) {
  return api.post<unknown[]>(`/rest/v1/${encodeURIComponent(target.table)}`, values, {
    headers: { ...profile(target.schema, true), prefer: 'return=representation' },
    lossless: true,
  })
}

export async function updateRow(api: Api, target: { schema: string; table: string }, key: Record<string, string>, values: Record<string, unknown>) {
  const result = await api.patch<unknown[]>(`/rest/v1/${encodeURIComponent(target.table)}`, values, {
    query: keyQuery(key),
    headers: { ...profile(target.schema, true), prefer: 'return=representation' },
    lossless: true,
  })
  return checkOne(result, 'updated')
}

export async function deleteRow(api: Api, target: { schema: string; table: string }, key: Record<string, string>) {
  const result = await api.delete<unknown[]>(`/rest/v1/${encodeURIComponent(target.table)}`, {
    query: keyQuery(key),
    headers: { ...profile(target.schema, true), prefer: 'return=representation' },
    lossless: true,
  })
  return checkOne(result, 'deleted')
}

/** A key that matched no row (someone deleted it meanwhile) is an error the user must see. */
function checkOne<T extends { data: unknown[] | null; error: ApiError | null }>(result: T, verb: string): T | { data: null; error: ApiError } {
  if (result.error || (result.data && result.data.length === 1)) return result
  return {
    data: null,
    error: { status: 0, code: 'STUDIO', message: `No row was ${verb}: the row is no longer there (changed or deleted meanwhile).`, details: null, hint: 'Refresh the rows.' },
  }
}
