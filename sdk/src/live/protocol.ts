// The live protocol's messages (docs/protocol.md, version 1) as types, and the two translations
// between them and the SDK's vocabulary. Plain data only; the socket is websocket-transport's.
import type { LiveChange, LiveError, LiveTarget } from './types.ts'

type Row = Record<string, unknown>

export type ServerMessage =
  | { type: 'welcome'; role: string; expires_at: number | null; heartbeat_ms?: number }
  | {
      type: 'snapshot'
      id?: string
      feed: number
      seq: number
      key: string[] | null
      rows: Array<{ key: string; row: Row }>
    }
  | { type: 'resumed'; id: string; feed: number; seq: number }
  | { type: 'delta'; feed: number; seq: number; ops: DeltaOp[] }
  | { type: 'state'; id: string; state: 'live' | 'lagging' | 'resyncing'; seq?: number }
  | ({ type: 'error'; id?: string; feed?: number } & LiveError)
  | { type: 'closed'; id: string; error: LiveError | null }
  | { type: 'heartbeat'; at: number }
  | { type: 'pong' }

export type DeltaOp =
  { op: 'delete'; key: string } | { op: 'insert' | 'update'; key: string; index: number; row: Row }

export function toSubscribeMessage(
  id: string,
  target: LiveTarget,
  resume: { feed: number; seq: number } | null,
): object {
  const what =
    target.kind === 'named'
      ? { query: target.name, params: target.params }
      : {
          rest: {
            relation: target.relation,
            ...(target.schema ? { schema: target.schema } : {}),
            query: target.query,
          },
        }
  return { type: 'subscribe', id, ...what, ...(resume ? { resume } : {}) }
}

export function messageToChanges(ops: DeltaOp[]): LiveChange[] {
  return ops.map((op) =>
    op.op === 'delete'
      ? { kind: 'delete', key: op.key }
      : { kind: op.op, key: op.key, row: op.row, index: op.index },
  )
}
