// The Prefer header (RFC 7240, possibly repeated) → Preferences. Unknown or malformed entries are
// kept aside: ignored by default, rejected with PGRST122 under `handling=strict`.
import type { Preferences } from './types.ts'

const ALLOWED: Record<string, readonly string[]> = {
  return: ['minimal', 'headers-only', 'representation'],
  count: ['exact', 'planned', 'estimated'],
  resolution: ['merge-duplicates', 'ignore-duplicates'],
  missing: ['default', 'null'],
  tx: ['commit', 'rollback'],
  handling: ['strict', 'lenient'],
}

export function parsePrefer(header: string | undefined): Preferences {
  const prefs: Preferences = { invalid: [] }
  if (!header) return prefs
  for (const raw of header.split(',')) {
    const entry = raw.trim()
    if (!entry) continue
    const [key = '', value = ''] = entry.split('=', 2).map((p) => p.trim())
    if (key === 'max-affected' && /^\d+$/.test(value)) {
      prefs.maxAffected = Number(value)
    } else if (key === 'timezone' || key === 'params') {
      // accepted and ignored, as PostgREST does without a matching setting
    } else if (ALLOWED[key]?.includes(value)) {
      ;(prefs as unknown as Record<string, string>)[key] = value
    } else {
      prefs.invalid.push(entry)
    }
  }
  return prefs
}
