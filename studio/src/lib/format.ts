// How numbers, times and values are written on screen: fixed-width where they update live, so
// columns never jump.
import { isLosslessNumber, stringify as stringifyLossless } from 'lossless-json'

const integer = new Intl.NumberFormat('en-US')

/** A figure from the hub as a number (LosslessNumber from a lossless parse included); 0 when absent. */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return Number.isFinite(value) ? value : 0
  if (isLosslessNumber(value)) return Number(value.value)
  if (typeof value === 'string' && value.trim() !== '') return Number(value) || 0
  return 0
}

/**
 * An object's own figures as numbers: a losslessly parsed message's counters and ids, its nested
 * user data (parameters, claims, rows) left exact.
 */
export function withNumbers<T extends object>(value: T): T {
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) }
  for (const [name, field] of Object.entries(out)) if (isLosslessNumber(field)) out[name] = Number(field.value)
  return out as T
}

export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : integer.format(n)
}

export function formatRate(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—'
  return n >= 100 || Number.isInteger(n) ? integer.format(Math.round(n)) : n.toFixed(1)
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—'
  if (ms < 1) return `${ms.toFixed(2)} ms`
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`
  return `${(ms / 1000).toFixed(2)} s`
}

export function formatTime(at: number | string | null | undefined): string {
  if (at === null || at === undefined) return '—'
  const date = new Date(at)
  if (Number.isNaN(date.getTime())) return String(at)
  return date.toLocaleTimeString('en-GB', { hour12: false }) + '.' + String(date.getMilliseconds()).padStart(3, '0')
}

export function formatDateTime(at: number | string | null | undefined): string {
  if (at === null || at === undefined || at === '') return '—'
  const date = new Date(at)
  if (Number.isNaN(date.getTime())) return String(at)
  return date.toLocaleString('en-GB', { hour12: false, year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
}

export function formatAgo(at: number | string | null | undefined, now = Date.now()): string {
  if (at === null || at === undefined || at === '') return '—'
  const seconds = Math.round((now - new Date(at).getTime()) / 1000)
  if (seconds < 5) return 'just now'
  if (seconds < 60) return `${seconds} s ago`
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`
  return `${Math.floor(seconds / 86400)} d ago`
}

/** A cell's text: strings as they are (PostgreSQL's text keeps bigint and numeric digits), JSON for the rest. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'NULL'
  if (typeof value === 'string') return value
  if (isLosslessNumber(value)) return value.value
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value)
  return stringifyValue(value)
}

/** JSON text of a value, numbers with the digits they came with. */
export function stringifyValue(value: unknown): string {
  return stringifyLossless(value) ?? 'null'
}
