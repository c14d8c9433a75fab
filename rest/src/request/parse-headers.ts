// Content negotiation and the other request headers: Accept → MediaType, Range, profiles.
import { errors } from '../errors.ts'
import type { MediaType } from './types.ts'

interface AcceptEntry {
  type: string
  params: Record<string, string>
  q: number
}

function parseAcceptHeader(header: string): AcceptEntry[] {
  return header
    .split(',')
    .map((part, index) => {
      const [type = '', ...rest] = part.split(';').map((p) => p.trim())
      const params: Record<string, string> = {}
      for (const p of rest) {
        const [k = '', v = ''] = p.split('=', 2).map((x) => x.trim())
        params[k.toLowerCase()] = v.replace(/^"|"$/g, '')
      }
      const q = params.q === undefined ? 1 : Number(params.q)
      return { type: type.toLowerCase(), params, q: Number.isFinite(q) ? q : 0, index }
    })
    .filter((e) => e.type !== '' && e.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index)
}

/** Picks the response media type; `root` is the OpenAPI endpoint. */
export function negotiate(header: string | undefined, root: boolean): { accept: MediaType; stripNulls: boolean } {
  if (!header || !header.trim()) return { accept: root ? 'openapi' : 'json', stripNulls: false }
  const entries = parseAcceptHeader(header)
  for (const e of entries) {
    const stripNulls = e.params.nulls === 'stripped'
    switch (e.type) {
      case '*/*':
      case 'application/*':
      case 'application/json':
        return { accept: root ? 'openapi' : 'json', stripNulls: false }
      case 'application/openapi+json':
        if (root) return { accept: 'openapi', stripNulls: false }
        break
      case 'application/vnd.pgrst.array+json':
      case 'application/vnd.pgrst.array':
        if (!root) return { accept: 'json', stripNulls }
        break
      case 'application/vnd.pgrst.object+json':
      case 'application/vnd.pgrst.object':
        if (!root) return { accept: 'object', stripNulls }
        break
      case 'text/csv':
        if (!root) return { accept: 'csv', stripNulls: false }
        break
    }
  }
  throw errors.mediaType(header.split(',').map((t) => t.trim()))
}

/** `Range: 0-9` (items); undefined when absent or not in the items unit. */
export function parseRange(header: string | undefined, unit: string | undefined): { from: number; to?: number } | undefined {
  if (!header) return undefined
  if (unit && unit.trim().toLowerCase() !== 'items') return undefined
  const m = /^\s*(?:items=)?(\d+)-(\d*)\s*$/.exec(header)
  if (!m) return undefined
  const from = Number(m[1])
  if (m[2] === '') return { from }
  const to = Number(m[2])
  if (to < from) throw errors.rangeLowerGtUpper()
  return { from, to }
}

/** Accept-Profile (reads) / Content-Profile (writes) choose among the exposed schemas. */
export function pickSchema(
  method: string,
  headers: Record<string, string>,
  schemas: readonly string[],
): { schema: string; negotiated: boolean } {
  const header = method === 'GET' || method === 'HEAD' ? headers['accept-profile'] : headers['content-profile']
  const negotiated = schemas.length > 1
  if (header === undefined) return { schema: schemas[0]!, negotiated }
  const wanted = header.trim()
  if (!schemas.includes(wanted)) throw errors.schema(wanted, [...schemas])
  return { schema: wanted, negotiated: true }
}
