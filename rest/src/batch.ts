// Atomic batches: `POST /rest/v1/` with `{"operations": [...]}` runs several REST operations in
// one transaction, in order, all or nothing. Each operation is an ordinary request (method, path
// with its query, headers, body) going through the same parse → plan → SQL → render stages; a
// later one can use an earlier one's result through `{{name.path}}` placeholders, in its path and
// its body. Bodies stay JSON text from end to end (no JSON.parse), so bigint keys keep their digits.
import { errors, ownErrors } from './errors.ts'
import type { ExecuteResult } from './execute.ts'
import type { RestHttpRequest, RestHttpResponse } from './http-types.ts'
import { planRequest } from './plan/plan-request.ts'
import type { Plan } from './plan/types.ts'
import { inspector, render } from './render.ts'
import { JsonTextError, checkJson, rawAt, rawElements, rawMembers } from './request/json-text.ts'
import { parseRequest } from './request/parse-request.ts'
import type { SchemaCache } from './schema-cache.ts'
import { buildStatement, type BuiltQuery } from './sql/build-statement.ts'

/** Most operations in one batch. */
export const MAX_OPERATIONS = 100
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE'])
/** Headers an operation may carry; the token is the batch's own. */
const OP_HEADERS = new Set(['prefer', 'accept', 'content-type', 'range', 'range-unit', 'accept-profile', 'content-profile'])
const PLACEHOLDER = /\{\{([^{}"\\\s]+)\}\}/g
const WHOLE = /^"\{\{([^{}"\\\s]+)\}\}"$/

export interface BatchOperation {
  name?: string
  method: string
  path: string
  headers: Record<string, string>
  /** Raw JSON text, '' when absent. */
  body: string
}

/** One operation's statement, ready for the transaction (what the executor needs of it). */
export interface BatchStep {
  query: BuiltQuery
  method: string
  path: string
  readOnly: boolean
  responseGucs: boolean
  timezone?: string
}

/** The transaction the batch runs in: one statement at a time, on one connection. */
export interface BatchTransaction {
  run(step: BatchStep): Promise<ExecuteResult>
}

const opError = {
  notAList: () => ownErrors.batchShape('The body must be an array of operations, or an object whose "operations" member is one'),
  empty: () => ownErrors.batchShape('The batch has no operations'),
  tooMany: (n: number, max: number) => ownErrors.batchShape(`The batch has ${n} operations; at most ${max} are allowed`),
  notAnObject: (i: number) => ownErrors.batchOperation(i, 'An operation is an object with "method", "path" and optionally "name", "headers" and "body"'),
  badMember: (i: number, key: string) => ownErrors.batchOperation(i, `Unknown or malformed member "${key}" (method, path and name are strings, headers an object of strings)`),
  badMethod: (i: number, method: string) => ownErrors.batchOperation(i, `Unsupported method "${method}": use GET, HEAD, POST, PATCH, PUT or DELETE`),
  badPath: (i: number, path: string) => ownErrors.batchOperation(i, `The path "${path}" must start with "/" (relative to /rest/v1)`),
  duplicateName: (i: number, name: string) => ownErrors.batchOperation(i, `The name "${name}" is already used by an earlier operation`),
  badHeader: (i: number, name: string) => ownErrors.batchOperation(i, `The header "${name}" cannot be set per operation (allowed: Prefer, Accept, Content-Type, Range, Range-Unit, Accept-Profile, Content-Profile)`),
  txPerOperation: (i: number) => ownErrors.batchOperation(i, 'Prefer: tx= applies to the whole batch: send it on the batch request'),
  rootInBatch: (i: number) => ownErrors.batchOperation(i, 'An operation names a table, a view or /rpc/<function>, not the root'),
  unknownReference: (i: number, ref: string) => ownErrors.batchReference(i, ref, 'No earlier operation has that name or index'),
  noResult: (i: number, ref: string) => ownErrors.batchReference(i, ref, 'That operation returned no JSON body (ask for one with Prefer: return=representation)'),
  missingValue: (i: number, ref: string) => ownErrors.batchReference(i, ref, "That operation's result has no value at that path"),
}

/** The batch body → its operations (PGRST102 for malformed JSON, PGSR errors for the rest). */
export function parseBatch(body: Buffer): BatchOperation[] {
  const text = body.toString('utf8')
  try {
    checkJson(text)
  } catch (error) {
    if (error instanceof JsonTextError) throw errors.invalidBody('Empty or invalid json')
    throw error
  }
  const envelope = rawMembers(text)
  const list = envelope ? envelope.find(([k]) => k === 'operations')?.[1] : text
  const items = list === undefined ? undefined : rawElements(list)
  if (!items) throw opError.notAList()
  if (items.length === 0) throw opError.empty()
  if (items.length > MAX_OPERATIONS) throw opError.tooMany(items.length, MAX_OPERATIONS)
  const names = new Set<string>()
  return items.map((item, index) => {
    const members = rawMembers(item)
    if (!members) throw opError.notAnObject(index)
    const op: BatchOperation = { method: '', path: '', headers: {}, body: '' }
    for (const [key, raw] of members) {
      const value = key === 'body' ? undefined : (JSON.parse(raw) as unknown)
      if (key === 'method' && typeof value === 'string') op.method = value.toUpperCase()
      else if (key === 'path' && typeof value === 'string') op.path = value
      else if (key === 'name' && typeof value === 'string' && /^[A-Za-z_][A-Za-z0-9_-]*$/.test(value)) op.name = value
      else if (key === 'headers' && isStringRecord(value)) op.headers = lowerKeys(value)
      else if (key === 'body') op.body = raw
      else throw opError.badMember(index, key)
    }
    if (!METHODS.has(op.method)) throw opError.badMethod(index, op.method)
    if (!op.path.startsWith('/')) throw opError.badPath(index, op.path)
    if (op.name !== undefined) {
      if (names.has(op.name)) throw opError.duplicateName(index, op.name)
      names.add(op.name)
    }
    for (const name of Object.keys(op.headers)) if (!OP_HEADERS.has(name)) throw opError.badHeader(index, name)
    if (op.headers.prefer && /(^|,)\s*tx=/.test(op.headers.prefer)) throw opError.txPerOperation(index)
    return op
  })
}

const isStringRecord = (v: unknown): v is Record<string, string> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string')
const lowerKeys = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]))

interface Done {
  name?: string
  /** The response body as JSON text, when it is JSON. */
  json?: string
}

/** `{{ref.a.0}}` → the raw JSON text of that value in an earlier operation's result. */
function resolve(ref: string, done: Done[], index: number): string {
  const [head = '', ...path] = ref.split('.')
  const source = /^\d+$/.test(head) ? done[Number(head)] : done.find((d) => d.name === head)
  if (!source) throw opError.unknownReference(index, ref)
  if (source.json === undefined) throw opError.noResult(index, ref)
  const raw = rawAt(source.json, path)
  if (raw === undefined) throw opError.missingValue(index, ref)
  return raw
}

/** The text a value takes inside a string or a URL: a JSON string's content, else the JSON. */
const asText = (raw: string) => (raw.startsWith('"') ? (JSON.parse(raw) as string) : raw)

function substituteBody(body: string, done: Done[], index: number): string {
  if (!body.includes('{{')) return body
  // `{{` only occurs inside JSON strings: a whole string is replaced by the value itself (its
  // type and digits kept), a placeholder within a longer string by the value's text.
  return body.replace(/"(?:[^"\\]|\\.)*"/g, (token) => {
    if (!token.includes('{{')) return token
    const whole = WHOLE.exec(token)
    if (whole) return resolve(whole[1]!, done, index)
    return token.replace(PLACEHOLDER, (_m, ref: string) => JSON.stringify(asText(resolve(ref, done, index))).slice(1, -1))
  })
}

/** A body for a non-JSON content type (CSV, a form) travels as a JSON string: its text. */
function bodyText(op: BatchOperation, body: string): string {
  const type = op.headers['content-type']
  return type !== undefined && !/json/i.test(type) && body.startsWith('"') ? (JSON.parse(body) as string) : body
}

function substitutePath(path: string, done: Done[], index: number): string {
  const decoded = path.replace(/%7B%7B/gi, '{{').replace(/%7D%7D/gi, '}}')
  return decoded.replace(PLACEHOLDER, (_m, ref: string) => encodeURIComponent(asText(resolve(ref, done, index))))
}

/**
 * Runs the operations in `tx` one after another. The first failure throws (the caller rolls
 * back); its error names the operation. Returns each operation's response.
 */
export async function runOperations(
  ops: BatchOperation[],
  tx: BatchTransaction,
  cache: SchemaCache,
  schemas: string[],
  outer: Record<string, string>,
): Promise<RestHttpResponse[]> {
  const done: Done[] = []
  const responses: RestHttpResponse[] = []
  for (const [index, op] of ops.entries()) {
    try {
      const path = substitutePath(op.path, done, index)
      const q = path.indexOf('?')
      const req: RestHttpRequest = {
        method: op.method,
        routePath: q === -1 ? path : path.slice(0, q),
        query: q === -1 ? '' : path.slice(q + 1),
        headers: { ...(outer.host ? { host: outer.host } : {}), ...op.headers },
        body: Buffer.from(bodyText(op, substituteBody(op.body, done, index)), 'utf8'),
      }
      if (op.body && !req.headers['content-type']) req.headers['content-type'] = 'application/json'
      const api = parseRequest(req, schemas)
      if (api.resource.kind === 'root') throw opError.rootInBatch(index)
      const plan: Plan = planRequest(api, cache)
      const step: BatchStep = {
        query: buildStatement(plan, { whole: true }), // a step's rows are read in one go
        method: op.method,
        path: `/rest/v1${req.routePath}`,
        readOnly: plan.readOnly,
        responseGucs: plan.kind === 'call',
      }
      if (plan.timezone !== undefined) step.timezone = plan.timezone
      const result = await tx.run(step)
      inspector(plan)(result.page, result.total)
      const response = render(plan, result, api.negotiatedSchema ? api.schema : undefined)
      responses.push(response)
      const json = typeof response.body === 'string' && plan.accept !== 'csv' ? response.body : undefined
      done.push({ ...(op.name !== undefined ? { name: op.name } : {}), ...(json !== undefined ? { json } : {}) })
    } catch (error) {
      throw new BatchFailure(index, op.name, error)
    }
  }
  return responses
}

/** An operation failed: which one, and why (rendered as the request's error). */
export class BatchFailure extends Error {
  constructor(
    readonly index: number,
    readonly opName: string | undefined,
    override readonly cause: unknown,
  ) {
    super(`batch operation ${index} failed`)
  }
}

/** The batch's answer: each operation's status, headers and body (JSON kept as JSON). */
export function renderBatch(responses: RestHttpResponse[]): RestHttpResponse {
  const parts = responses.map((r) => {
    const headers = JSON.stringify(r.headers ?? {})
    let body = 'null'
    if (typeof r.body === 'string' && r.body !== '') {
      const type = r.headers?.['Content-Type'] ?? ''
      body = type.startsWith('text/csv') ? JSON.stringify(r.body) : r.body
    }
    return `{"status":${r.status},"headers":${headers},"body":${body}}`
  })
  return { status: 200, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: `{"results":[${parts.join(',')}]}` }
}

