// The Prefer header (RFC 7240, possibly repeated: the hub joins repeats with ", ") → Preferences,
// as PostgREST reads it: the first value of each preference wins, unknown or malformed entries are
// kept aside (ignored by default, rejected with PGRST122 under `handling=strict`). A timezone can
// only be judged against the database's list, so the plan stage moves an unknown one aside too.
import type { Preferences } from './types.ts'

const ALLOWED: Record<string, readonly string[]> = {
  return: ['minimal', 'headers-only', 'representation'],
  count: ['exact', 'planned', 'estimated'],
  resolution: ['merge-duplicates', 'ignore-duplicates'],
  missing: ['default', 'null'],
  tx: ['commit', 'rollback'],
  handling: ['strict', 'lenient'],
  params: ['single-object'],
}

export function parsePrefer(header: string | undefined): Preferences {
  const prefs: Preferences = { invalid: [] }
  if (!header) return prefs
  const set = prefs as unknown as Record<string, string | number | undefined>
  for (const raw of header.split(',')) {
    const entry = raw.trim()
    if (!entry) continue
    const eq = entry.indexOf('=')
    const key = eq === -1 ? entry : entry.slice(0, eq)
    const value = eq === -1 ? '' : entry.slice(eq + 1)
    if (key === 'max-affected' && /^\d+$/.test(value)) {
      prefs.maxAffected ??= Number(value)
    } else if (key === 'timezone' && value !== '') {
      prefs.timezone ??= value
    } else if (ALLOWED[key]?.includes(value)) {
      set[key] ??= value
    } else {
      prefs.invalid.push(entry)
    }
  }
  return prefs
}

/** Preferences a response reports as applied, in PostgREST's fixed order. */
export type PreferenceName = 'resolution' | 'missing' | 'return' | 'params' | 'count' | 'tx' | 'handling' | 'timezone' | 'max-affected'

const ORDER: PreferenceName[] = ['resolution', 'missing', 'return', 'params', 'count', 'tx', 'handling', 'timezone', 'max-affected']

/**
 * The `Preference-Applied` entries for the preferences `used` by a kind of request: each one given,
 * in PostgREST's order; max-affected only under handling=strict (it is not applied otherwise).
 */
export function appliedPreferences(prefs: Preferences, used: ReadonlySet<PreferenceName>): string[] {
  const out: string[] = []
  for (const name of ORDER) {
    if (!used.has(name)) continue
    if (name === 'max-affected') {
      if (prefs.maxAffected !== undefined && prefs.handling === 'strict') out.push(`max-affected=${prefs.maxAffected}`)
      continue
    }
    const value = name === 'resolution' ? prefs.resolution : name === 'missing' ? prefs.missing : name === 'return' ? prefs.return
      : name === 'params' ? prefs.params : name === 'count' ? prefs.count : name === 'tx' ? prefs.tx : name === 'handling' ? prefs.handling : prefs.timezone
    if (value !== undefined) out.push(`${name}=${value}`)
  }
  return out
}
