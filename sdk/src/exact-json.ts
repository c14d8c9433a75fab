// Opt-in exact numbers for live rows: JSON parsed as JSON.parse does, except that a number a
// JavaScript number cannot hold exactly (a bigint past 2^53, a numeric with more digits than a
// double keeps) stays the decimal text PostgreSQL sent, as a `::text` cast would give it. Its own
// subpath, so clients that do not use it do not carry the parser.
import { isSafeNumber, parse } from 'lossless-json'

/** JSON.parse, but numbers that would lose digits come back as their exact text (strings). */
export function parseExactJson(text: string): unknown {
  return parse(text, null, (value) => (isSafeNumber(value) ? Number(value) : value))
}
