// A feed's current rows in the query's order, each with the key the protocol names it by. It turns
// pg_reactive's ops into positioned ops ({op, key, index, row}) so clients only splice.
import { comparatorFor, type Row, type SortKey } from './order.ts'

export interface PgrOp {
  op: 'insert' | 'update' | 'delete'
  row: Row
}

export type WireOp =
  | { op: 'insert' | 'update'; key: string; index: number; row: Row }
  | { op: 'delete'; key: string }

export class FeedRows {
  private keys: string[] = []
  private rows: Row[] = []
  /** Keyless rows: their JSON text, to find one equal occurrence to delete. */
  private texts: string[] = []
  private nextId = 1
  private readonly compare: ((a: Row, b: Row) => number) | null

  constructor(
    readonly key: readonly string[] | null,
    order: readonly SortKey[] | null,
  ) {
    this.compare = order ? comparatorFor(order) : null
  }

  get size(): number {
    return this.rows.length
  }

  /**
   * Replaces every row. pg_reactive's stored rows are in the query's order only until its
   * incremental path patches them, so they are sorted here when the order is known.
   */
  reset(rows: readonly Row[]): void {
    this.rows = this.compare ? [...rows].sort(this.compare) : [...rows]
    this.keys = this.rows.map((row) => this.keyOf(row))
    this.texts = this.key ? [] : this.rows.map((row) => JSON.stringify(row))
  }

  entries(): Array<{ key: string; row: Row }> {
    return this.rows.map((row, i) => ({ key: this.keys[i]!, row }))
  }

  private keyOf(row: Row): string {
    if (this.key) return JSON.stringify(this.key.map((column) => row[column] ?? null))
    return `#${this.nextId++}`
  }

  /** Applies pg_reactive's ops in order and returns them as the protocol sends them. */
  apply(ops: readonly PgrOp[]): WireOp[] {
    const out: WireOp[] = []
    for (const { op, row } of ops) {
      if (!this.key) {
        out.push(op === 'delete' ? this.deleteEqual(row) : this.place(this.keyOf(row), row, -1, JSON.stringify(row)))
        continue
      }
      const key = this.keyOf(row)
      const at = this.keys.indexOf(key)
      if (at >= 0) {
        this.keys.splice(at, 1)
        this.rows.splice(at, 1)
      }
      if (op === 'delete') out.push({ op, key })
      else out.push({ ...this.place(key, row, at, null), op })
    }
    return out
  }

  private deleteEqual(row: Row): WireOp {
    const text = JSON.stringify(row)
    const at = this.texts.indexOf(text)
    if (at < 0) return { op: 'delete', key: '#missing' }
    const key = this.keys[at]!
    this.keys.splice(at, 1)
    this.rows.splice(at, 1)
    this.texts.splice(at, 1)
    return { op: 'delete', key }
  }

  /** Inserts at the row's place in the order (after equal rows); without an order: in place or last. */
  private place(key: string, row: Row, previous: number, text: string | null): WireOp & { op: 'insert' } {
    let index: number
    if (this.compare) {
      let lo = 0
      let hi = this.rows.length
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (this.compare(this.rows[mid]!, row) <= 0) lo = mid + 1
        else hi = mid
      }
      index = lo
    } else {
      index = previous >= 0 ? previous : this.rows.length
    }
    this.keys.splice(index, 0, key)
    this.rows.splice(index, 0, row)
    if (text !== null) this.texts.splice(index, 0, text)
    return { op: 'insert', key, index, row }
  }
}
