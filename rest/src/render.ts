// Plan + rows → status, headers and body, as PostgREST answers: Content-Range, Preference-Applied,
// Location, 200/201/204/206, JSON arrays, single objects and CSV. Large bodies stream.
import { errors } from './errors.ts'
import type { ExecuteResult } from './execute.ts'
import type { RestHttpResponse } from './http-types.ts'
import type { CallPlan, MutatePlan, Plan, ReadPlan } from './plan/types.ts'
import { outputNames } from './sql/build-read.ts'

const JSON_TYPE = 'application/json; charset=utf-8'
const OBJECT_TYPE = 'application/vnd.pgrst.object+json; charset=utf-8'
const CSV_TYPE = 'text/csv; charset=utf-8'
// With nulls stripped PostgREST names the media type it honoured, parameter included.
const STRIPPED_ARRAY_TYPE = 'application/vnd.pgrst.array+json;nulls=stripped; charset=utf-8'
const STRIPPED_OBJECT_TYPE = 'application/vnd.pgrst.object+json;nulls=stripped; charset=utf-8'

/** Checks that must hold before commit: range bounds, singular, max-affected, PUT's one row. */
export function inspector(plan: Plan): (page: number, total: number | null) => void {
  return (page, total) => {
    if (plan.accept === 'object' && page !== 1 && !(plan.kind === 'call' && !plan.routine.returnsSet)) throw errors.singular(page)
    if (plan.kind !== 'read' && plan.maxAffected !== undefined && page > plan.maxAffected) throw errors.maxAffected(page)
    if (plan.kind === 'upsert-put' && page !== 1) throw errors.putPk()
    if ((plan.kind === 'read' || plan.kind === 'call') && total !== null && plan.offset > total) {
      throw errors.rangeOutOfBounds(plan.offset, total)
    }
  }
}

/**
 * PostgREST's Content-Range: `lower-upper/total`, with `*` for the range when nothing is in it
 * (or the total is 0) and `*` for an unknown total.
 */
export function contentRange(lower: number, upper: number, total: number | null): string {
  const range = total !== 0 && lower <= upper ? `${lower}-${upper}` : '*'
  return `${range}/${total === null ? '*' : total}`
}

function rangeStatus(lower: number, page: number, total: number | null): number {
  if (total === null) return 200
  return page < total ? 206 : 200
}

function csvHeader(plan: Plan): string {
  if ((plan.kind === 'read' || plan.kind === 'call') && plan.node) return outputNames(plan.node).join(',')
  if (plan.kind === 'call') return plan.routine.name
  return outputNames(plan.node).join(',')
}

function mediaType(plan: Plan): string {
  if (plan.accept === 'csv') return CSV_TYPE
  if (plan.accept === 'object') return plan.stripNulls ? STRIPPED_OBJECT_TYPE : OBJECT_TYPE
  return plan.stripNulls ? STRIPPED_ARRAY_TYPE : JSON_TYPE
}

/** Joins row bodies into the response body, streaming when more batches follow. */
function assemble(plan: Plan, result: ExecuteResult, asObject: boolean): string | AsyncIterable<string> {
  if (asObject) return result.rows[0] ?? 'null'
  const csv = plan.accept === 'csv'
  // PostgREST's CSV header comes from the first row's keys: an empty result is a bare newline.
  if (csv && !result.rows.length && !result.more) return '\n'
  const open = csv ? `${csvHeader(plan)}\n` : '['
  const sep = csv ? '\n' : ','
  const close = csv ? '' : ']'
  const first = open + result.rows.join(sep)
  if (!result.more) return first + close
  const more = result.more
  return (async function* () {
    yield first
    let empty = result.rows.length === 0
    for await (const batch of more) {
      yield (empty ? '' : sep) + batch.join(sep)
      empty = false
    }
    yield close
  })()
}

function baseHeaders(plan: Plan, profile: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {}
  if (plan.applied.length) headers['Preference-Applied'] = plan.applied.join(', ')
  if (profile) headers['Content-Profile'] = profile
  return headers
}

function renderRead(plan: ReadPlan | CallPlan, result: ExecuteResult, headers: Record<string, string>): RestHttpResponse {
  const single = plan.accept === 'object' || (plan.kind === 'call' && !plan.routine.returnsSet)
  headers['Content-Range'] = contentRange(plan.offset, plan.offset + result.page - 1, result.total)
  headers['Content-Type'] = mediaType(plan)
  const status = rangeStatus(plan.offset, result.page, result.total)
  if (plan.head) return { status, headers }
  return { status, headers, body: assemble(plan, result, single) }
}

function renderMutate(plan: MutatePlan, result: ExecuteResult, headers: Record<string, string>): RestHttpResponse {
  // For writes the statement's first column counts the rows an upsert inserted (not a total).
  const inserted = result.total
  const total = plan.count === 'exact' || plan.count === 'estimated' ? result.page : null
  const representation = plan.returning === 'representation'
  let status: number
  if (plan.kind === 'insert') {
    headers['Content-Range'] = contentRange(1, 0, total)
    status = plan.conflict?.action === 'merge' && inserted !== null && inserted <= 0 ? 200 : 201
    if (plan.returning === 'headers-only' && plan.table.primaryKey.length && result.rows.length >= 1) {
      const row = JSON.parse(result.rows[0]!) as Record<string, unknown>
      const query = plan.table.primaryKey.map((c) => `${encodeURIComponent(c)}=eq.${encodeURIComponent(String(row[c] ?? 'null'))}`).join('&')
      headers.Location = `/${encodeURIComponent(plan.table.name)}?${query}`
    }
  } else if (plan.kind === 'upsert-put') {
    status = representation ? (inserted !== null && inserted > 0 ? 201 : 200) : 204
  } else if (plan.kind === 'update') {
    headers['Content-Range'] = contentRange(0, result.page - 1, total)
    status = representation ? 200 : 204
  } else {
    headers['Content-Range'] = contentRange(1, 0, total)
    status = representation ? 200 : 204
  }
  if (!representation) return { status, headers }
  headers['Content-Type'] = mediaType(plan)
  return { status, headers, body: assemble(plan, result, plan.accept === 'object') }
}

/** Functions can set `response.headers` (a JSON array of one-key objects) and `response.status`. */
function applyGucs(response: RestHttpResponse, gucs: ExecuteResult['gucs']): RestHttpResponse {
  if (!gucs) return response
  if (gucs.headers) {
    let list: unknown
    try {
      list = JSON.parse(gucs.headers)
    } catch {
      throw errors.gucHeaders()
    }
    if (!Array.isArray(list)) throw errors.gucHeaders()
    const headers = { ...response.headers }
    for (const item of list) {
      const entries = typeof item === 'object' && item !== null ? Object.entries(item as object) : []
      if (entries.length !== 1 || typeof entries[0]![1] !== 'string') throw errors.gucHeaders()
      const [name, value] = entries[0] as [string, string]
      if (/[\r\n]/.test(name + value)) throw errors.gucHeaders()
      headers[name] = value
    }
    response = { ...response, headers }
  }
  if (gucs.status) {
    const status = Number(gucs.status)
    if (!Number.isInteger(status) || status < 100 || status > 599) throw errors.gucStatus()
    response = { ...response, status }
  }
  return response
}

export function render(plan: Plan, result: ExecuteResult, profile: string | undefined): RestHttpResponse {
  const headers = baseHeaders(plan, profile)
  if (plan.kind === 'read') return renderRead(plan, result, headers)
  if (plan.kind === 'call') {
    if (plan.routine.returnKind === 'void') return applyGucs({ status: 204, headers }, result.gucs)
    return applyGucs(renderRead(plan, result, headers), result.gucs)
  }
  return renderMutate(plan, result, headers)
}
