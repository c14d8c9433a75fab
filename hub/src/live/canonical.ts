// JSON with object keys sorted at every level, so that equal values give equal strings: the
// identity of security contexts and feeds. Exact numbers (params.ts) keep their digits.
import { exactJson, isExactNumber } from './params.ts'

export function canonicalJson(value: unknown): string {
  return exactJson(sortKeys(value))
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value === null || typeof value !== 'object' || isExactNumber(value)) return value
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key])
  return out
}
