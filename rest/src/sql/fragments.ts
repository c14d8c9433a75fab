// The only place identifiers become SQL (always quoted) and values become parameters (always
// bound). Everything else in src/sql/ composes strings from these.
import type { JsonStep } from '../request/types.ts'

export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`

export const qualify = (schema: string, name: string): string => `${quoteIdent(schema)}.${quoteIdent(name)}`

export interface Statement {
  text: string
  values: unknown[]
}

/** Collects bound values; `bind` returns the placeholder. */
export class Params {
  readonly values: unknown[] = []
  bind(value: unknown): string {
    this.values.push(value)
    return `$${this.values.length}`
  }
}

/** Per-statement alias supply, so nested embeds never shadow each other. */
export class Aliases {
  private n = 0
  next(base: string): string {
    this.n += 1
    return quoteIdent(`${base}_${this.n}`)
  }
}

/** A column (or computed field) reference with its JSON path, as the plan stage resolved it. */
export interface FieldRef {
  column: string
  path: JsonStep[]
  /** A computed field: its function, called with the whole row. */
  computed?: { schema: string; name: string }
  /** The value is not json/jsonb: arrows apply to `to_jsonb(value)` (arrays, composites, …). */
  toJson?: boolean
}

/** `ref."col"->'a'->>'b'`; integer steps index arrays and are validated digits. */
export function columnExpr(ref: string, field: FieldRef, params: Params): string {
  let expr = field.computed ? `${qualify(field.computed.schema, field.computed.name)}(${ref}.*)` : `${ref}.${quoteIdent(field.column)}`
  if (!field.path.length) return expr
  if (field.toJson) expr = `to_jsonb(${expr})`
  for (const step of field.path) {
    const key = /^-?\d+$/.test(step.key) ? step.key : `${params.bind(step.key)}::text`
    expr = `${expr}${step.arrow}${key}`
  }
  return expr
}
