// A subscribe's parameters with every digit the client sent: a number a double cannot hold
// (a bigint past 2^53, a numeric's 25 digits) stays its JSON text and reaches pg_reactive as the
// same JSON number; the others are plain numbers, as JSON.parse gives them. Nothing else here.
import { LosslessNumber, isLosslessNumber, isSafeNumber, parse, stringify } from 'lossless-json'

/** A number kept as its JSON text; shown (JSON.stringify: introspection, metrics) as that text in a string. */
export class ExactNumber extends LosslessNumber {
  toJSON(): string {
    return this.value
  }
}

const exactNumber = (text: string): number | ExactNumber => (isSafeNumber(text) ? Number(text) : new ExactNumber(text))

/** The message parsed with its unsafe numbers as ExactNumber; throws SyntaxError as JSON.parse does. */
export function parseExact(text: string): unknown {
  return parse(text, null, exactNumber)
}

/** JSON text with each ExactNumber written as the number it was. */
export function exactJson(value: unknown): string {
  return stringify(value) ?? 'null'
}

export const isExactNumber: (value: unknown) => value is ExactNumber = isLosslessNumber as (value: unknown) => value is ExactNumber
