// A live-query test file (docs/live-tests.md), read into plain data with every problem named by
// its place in the file, so a malformed file gets one line that says what to fix.
import { YAMLMap, YAMLSeq, isMap, isSeq, type Document } from 'yaml'
import { Decimal, parseYamlDocument, toJsonText } from './exact-json.ts'

export interface Actor {
  role: string | null
  /** JSON text of the JWT claims. */
  claims: string
}

export interface LiveTestQuery extends Actor {
  name: string | null
  sql: string | null
  /** JSON text of the parameters array. */
  params: string
  paramTypes: string[] | null
  key: string[] | null
}

export interface LiveTestStep {
  sql: string
  as: Actor | null
  /** JSON text of what is expected after the step, or null when the file does not say yet. */
  rows: string | null
  deltas: string | null
}

export interface LiveTest {
  setup: string | null
  query: LiveTestQuery
  rows: string | null
  steps: LiveTestStep[]
  document: Document.Parsed
}

export class FormatError extends Error {
  override name = 'FormatError'
}

const KEYS = { top: ['setup', 'query', 'rows', 'steps'], query: ['name', 'sql', 'params', 'param_types', 'key', 'role', 'claims'], step: ['sql', 'as', 'rows', 'deltas'], as: ['role', 'claims'] }

function object(value: unknown, where: string, allowed: string[]): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Decimal) throw new FormatError(`${where} must be a mapping`)
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key))
  if (unknown.length) throw new FormatError(`${where} has an unknown field "${unknown[0]}" (fields: ${allowed.join(', ')})`)
  return value as Record<string, unknown>
}

function text(value: unknown, where: string, required = false): string | null {
  if (value === undefined || value === null) {
    if (required) throw new FormatError(`${where} is missing`)
    return null
  }
  if (typeof value !== 'string' || value.trim() === '') throw new FormatError(`${where} must be a non-empty string`)
  return value
}

function names(value: unknown, where: string): string[] | null {
  if (value === undefined || value === null) return null
  const list = typeof value === 'string' ? [value] : value
  if (!Array.isArray(list) || !list.every((v) => typeof v === 'string')) throw new FormatError(`${where} must be a name or a list of names`)
  return list as string[]
}

function list(value: unknown, where: string): string | null {
  if (value === undefined || value === null) return null
  if (!Array.isArray(value)) throw new FormatError(`${where} must be a list`)
  return toJsonText(value)
}

function actor(value: Record<string, unknown>, where: string): Actor {
  const claims = value.claims ?? {}
  object(claims, `${where}.claims`, Object.keys(claims as object))
  return { role: text(value.role, `${where}.role`), claims: toJsonText(claims) }
}

export function parseLiveTest(source: string): LiveTest {
  const document = parseYamlDocument(source)
  if (document.errors.length) {
    const error = document.errors[0]!
    const at = error.linePos?.[0]
    throw new FormatError(`${at ? `line ${at.line}, column ${at.col}: ` : ''}${error.message.split('\n')[0]}`)
  }
  const top = object(document.toJS() ?? null, 'the file', KEYS.top)
  const q = object(top.query ?? null, 'query', KEYS.query)
  const name = text(q.name, 'query.name')
  const sql = text(q.sql, 'query.sql')
  if ((name === null) === (sql === null)) throw new FormatError('query needs either name (a defined live query) or sql')
  const query: LiveTestQuery = {
    name,
    sql,
    params: list(q.params, 'query.params') ?? '[]',
    paramTypes: names(q.param_types, 'query.param_types'),
    key: names(q.key, 'query.key'),
    ...actor(q, 'query'),
  }
  if (!Array.isArray(top.steps ?? [])) throw new FormatError('steps must be a list')
  const steps = ((top.steps ?? []) as unknown[]).map((raw, i) => {
    const where = `steps[${i + 1}]`
    const step = object(raw, where, KEYS.step)
    if (step.rows !== undefined && step.deltas !== undefined) throw new FormatError(`${where} expects rows or deltas, not both`)
    return {
      sql: text(step.sql, `${where}.sql`, true)!,
      as: step.as === undefined ? null : actor(object(step.as, `${where}.as`, KEYS.as), `${where}.as`),
      rows: list(step.rows, `${where}.rows`),
      deltas: list(step.deltas, `${where}.deltas`),
    }
  })
  return { setup: text(top.setup, 'setup'), query, rows: list(top.rows, 'rows'), steps, document }
}

/** Writes what was observed into the file's document (--update): rows, or deltas where the step expects deltas. */
export function recordObserved(test: LiveTest, observed: { rows: unknown; steps: Array<{ rows: unknown; deltas: unknown }> }): string {
  const doc = test.document
  const flowRows = (value: unknown) => {
    const node = doc.createNode(value) as YAMLSeq
    for (const item of node.items) if (isMap(item) || isSeq(item)) (item as YAMLMap).flow = true
    return node
  }
  doc.set('rows', flowRows(observed.rows))
  const steps = doc.get('steps') as YAMLSeq | undefined
  observed.steps.forEach((step, i) => {
    const node = steps?.items[i] as YAMLMap | undefined
    if (!node) return
    if (test.steps[i]!.deltas !== null) node.set('deltas', flowRows(step.deltas))
    else node.set('rows', flowRows(step.rows))
  })
  return doc.toString({ lineWidth: 0 })
}
