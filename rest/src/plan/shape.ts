// What every plan shares: response shape from the Prefer and Accept headers, the top-level range,
// and the split of a GET call's query into arguments and filters.
import { errors } from '../errors.ts'
import { appliedPreferences, type PreferenceName } from '../request/parse-prefer.ts'
import type { ApiRequest } from '../request/types.ts'
import type { SchemaCache } from '../schema-cache.ts'
import type { Shape } from './types.ts'

/** The preferences each kind of request honours, as PostgREST reports them. */
export const READ_PREFERENCES: ReadonlySet<PreferenceName> = new Set(['count', 'tx', 'handling', 'timezone'])
export const INSERT_PREFERENCES: ReadonlySet<PreferenceName> = new Set(['resolution', 'missing', 'return', 'count', 'tx', 'handling', 'timezone'])
/** An insert into a table without a primary key and without on_conflict: no resolution applies. */
export const PLAIN_INSERT_PREFERENCES: ReadonlySet<PreferenceName> = new Set(['missing', 'return', 'count', 'tx', 'handling', 'timezone'])
export const UPDATE_PREFERENCES: ReadonlySet<PreferenceName> = new Set(['missing', 'return', 'count', 'tx', 'handling', 'timezone', 'max-affected'])
export const PUT_PREFERENCES: ReadonlySet<PreferenceName> = new Set(['return', 'count', 'tx', 'handling', 'timezone'])
export const DELETE_PREFERENCES: ReadonlySet<PreferenceName> = new Set(['return', 'count', 'tx', 'handling', 'timezone', 'max-affected'])
export const CALL_PREFERENCES: ReadonlySet<PreferenceName> = new Set(['params', 'count', 'tx', 'handling', 'timezone', 'max-affected'])

/**
 * The response shape and the applied preferences. `used`: the preferences this kind of request
 * honours (PostgREST reports only those); a timezone the database does not know is an invalid
 * preference (PGRST122 under handling=strict, ignored otherwise).
 */
export function shapeOf(req: ApiRequest, cache: SchemaCache, readOnly: boolean, used: ReadonlySet<PreferenceName>): Shape {
  let prefs = req.preferences
  if (prefs.timezone !== undefined && !cache.timezones.has(prefs.timezone)) {
    const { timezone, ...rest } = prefs
    prefs = { ...rest, invalid: [...prefs.invalid, `timezone=${timezone}`] }
  }
  if (prefs.handling === 'strict' && prefs.invalid.length) throw errors.invalidPreferences(prefs.invalid)
  const shape: Shape = {
    accept: req.accept,
    stripNulls: req.stripNulls,
    readOnly,
    rollback: prefs.tx === 'rollback',
    applied: appliedPreferences(prefs, used),
  }
  if (prefs.count) shape.count = prefs.count
  if (prefs.timezone !== undefined) shape.timezone = prefs.timezone
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
