// Numbers exactly as written: a test file's `12345678901234567890123` or `1.50` must reach
// PostgreSQL digit for digit, and rows written back by --update must keep PostgreSQL's digits.
// YAML numbers become Decimal (their source text); JSON text from PostgreSQL is read the same way
// (JSON is YAML), so values go file → PostgreSQL → file without passing through a double.
import YAML, { type Document, type ScalarTag } from 'yaml'

export class Decimal {
  constructor(readonly text: string) {}
}

const exactNumber: ScalarTag = {
  identify: (value) => value instanceof Decimal,
  default: true,
  tag: 'tag:pgstack.dev,2026:number',
  test: /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$/,
  resolve: (source) => new Decimal(source),
  stringify: ({ value }) => (value as Decimal).text,
}

export const YAML_OPTIONS = { customTags: (tags: unknown[]) => [exactNumber, ...tags] } as YAML.ParseOptions & YAML.SchemaOptions

export function parseYamlDocument(text: string): Document.Parsed {
  return YAML.parseDocument(text, YAML_OPTIONS)
}

/** JSON text with every number as written. */
export function toJsonText(value: unknown): string {
  if (value instanceof Decimal) return value.text
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(', ')}]`
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${toJsonText(v)}`).join(', ')}}`
  }
  return JSON.stringify(value ?? null)
}

/** PostgreSQL's JSON text as values with exact numbers. */
export function fromJsonText(text: string): unknown {
  return YAML.parse(text, YAML_OPTIONS)
}
