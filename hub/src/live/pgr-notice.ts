// Reads a NOTIFY pgr payload (pg_reactive's version 2, ext/pg_reactive/README.md). pg_reactive
// writes a fixed header before the ops, so the hub reads feed, sequence and size from it and keeps
// the ops as PostgreSQL's JSON text: rows are never parsed, so no digit of them is lost here.

export type PgrNotice =
  /** `ops`: PostgreSQL's JSON text of the positioned ops, passed on as it is. */
  | { kind: 'delta'; feed: number; seq: number; size: number; ops: string }
  /** A delta too large for NOTIFY: read it from the delta log. */
  | { kind: 'ref'; feed: number; seq: number; size: number }
  | { kind: 'error'; feed: number; seq: number; code: string; message: string }

const HEADER = /^\{"v":2,"kind":"(delta|ref|error)","feed":(\d+),"seq":(\d+)/
const SIZE = /^,"size":(\d+)/
const OPS = ',"ops":'

/** The notice a payload carries, or null when it is not one pg_reactive 2 sends. */
export function parsePgrNotice(payload: string): PgrNotice | null {
  const head = HEADER.exec(payload)
  if (!head) return null
  const feed = Number(head[2])
  const seq = Number(head[3])
  let rest = payload.slice(head[0].length)
  if (head[1] === 'error') {
    try {
      const { code, message } = JSON.parse(payload) as { code?: unknown; message?: unknown }
      if (typeof code !== 'string' || typeof message !== 'string') return null
      return { kind: 'error', feed, seq, code, message }
    } catch {
      return null
    }
  }
  const size = SIZE.exec(rest)
  if (!size || !payload.endsWith('}')) return null
  rest = rest.slice(size[0].length)
  if (head[1] === 'ref') return { kind: 'ref', feed, seq, size: Number(size[1]) }
  if (!rest.startsWith(OPS)) return null
  return { kind: 'delta', feed, seq, size: Number(size[1]), ops: rest.slice(OPS.length, -1) }
}
