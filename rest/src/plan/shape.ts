// What every plan shares: response shape from the Prefer and Accept headers, the top-level range,
// and the split of a GET call's query into arguments and filters.
import { errors } from '../errors.ts'
import { applyFilterParam } from '../request/parse-request.ts'
import type { ApiRequest, NodeParams } from '../request/types.ts'
import type { Shape } from './types.ts'

export function shapeOf(req: ApiRequest, readOnly: boolean): Shape {
  const prefs = req.preferences
  if (prefs.handling === 'strict' && prefs.invalid.length) throw errors.invalidPreferences(prefs.invalid)
  const shape: Shape = { accept: req.accept, stripNulls: req.stripNulls, readOnly, rollback: prefs.tx === 'rollback', applied: [] }
  if (prefs.count) shape.count = prefs.count
  if (prefs.tx) shape.applied.push(`tx=${prefs.tx}`)
  if (prefs.handling) shape.applied.push(`handling=${prefs.handling}`)
  return shape
}

/** Combines `limit`/`offset` with the Range header (their intersection). */
export function rootRange(req: ApiRequest): { offset: number; limit?: number } {
  const root = req.nodes.get('') ?? { filters: [] }
  let lower = root.offset ?? 0
  let upper = root.limit === undefined ? Infinity : lower + root.limit - 1
  if (req.range) {
    lower = Math.max(lower, req.range.from)
    upper = Math.min(upper, req.range.to ?? Infinity)
  }
  const result: { offset: number; limit?: number } = { offset: lower }
  if (upper !== Infinity) result.limit = Math.max(0, upper - lower + 1)
  return result
}

/** GET calls: query pairs naming a parameter are arguments, the rest are filters. */
export function splitCallParams(req: ApiRequest, paramNames: Set<string>): { args: Record<string, string>; nodes: Map<string, NodeParams> } {
  const args: Record<string, string> = {}
  const nodes = new Map([...req.nodes].map(([k, v]) => [k, { ...v, filters: [...v.filters] }]))
  if (!nodes.has('')) nodes.set('', { filters: [] })
  for (const [key, value] of req.rawParams) {
    if (paramNames.has(key)) args[key] = value
    else applyFilterParam(nodes, key, value)
  }
  return { args, nodes }
}
