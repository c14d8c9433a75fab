// Types for pg-cursor 2.x (the package ships none): only what execute.ts uses.
declare module 'pg-cursor' {
  import type { Submittable } from 'pg'
  export default class Cursor<Row = unknown[]> implements Submittable {
    constructor(text: string, values?: unknown[], config?: { rowMode?: 'array' })
    submit: Submittable['submit']
    read(rows: number): Promise<Row[]>
    close(): Promise<void>
  }
}

declare module 'pg/lib/utils.js' {
  export function prepareValue(value: unknown): unknown
}
