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

/** `ref."col"->'a'->>'b'`; integer steps index arrays and are validated digits. */
/** `computed`: a computed field's function, called with the whole row. */
export function columnExpr(ref: string, column: string, path: JsonStep[], params: Params, computed?: { schema: string; name: string }): string {
  let expr = computed ? `${qualify(computed.schema, computed.name)}(${ref}.*)` : `${ref}.${quoteIdent(column)}`
  for (const step of path) {
    const key = /^-?\d+$/.test(step.key) ? step.key : `${params.bind(step.key)}::text`
    expr = `${expr}${step.arrow}${key}`
  }
  return expr
}
