// Input checks shared by endpoints, with GoTrue's messages.
import { badRequest } from './errors.ts'

// Deliberately permissive (as GoTrue): something@something.tld, no spaces, sane length.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export function validateEmail(email: string): string {
  const trimmed = email.trim()
  if (trimmed.length > 255 || !EMAIL.test(trimmed)) {
    throw badRequest('validation_failed', 'Unable to validate email address: invalid format')
  }
  return trimmed.toLowerCase()
}

/** Go-style durations as GoTrue's ban_duration takes them ("24h", "1h30m", "90s"); "none" clears. */
export function parseBanDuration(value: string): Date | null {
  if (value === 'none') return null
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(value)
  if (!value || !match) throw badRequest('validation_failed', 'invalid format for ban duration: time: invalid duration')
  const seconds = Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0)
  return new Date(Date.now() + seconds * 1000)
}

/** GoTrue's metadata update: keys merged in, keys set to null removed. */
export function mergeMetadata(current: Record<string, unknown>, update: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current }
  for (const [key, value] of Object.entries(update)) {
    if (value === null) delete merged[key]
    else merged[key] = value
  }
  return merged
}
