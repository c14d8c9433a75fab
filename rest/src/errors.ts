// The error vocabulary of /rest/v1: PostgREST's codes (one constructor each) and its SQLSTATE →
// HTTP status table, built on the server's one error type (@pgstack/common's ApiError, rendered
// with postgrestBody). Never branch on message text elsewhere.
import { ApiError, TokenRejected, internalError, rejectedAsPostgrest } from '@pgstack/common'
/** PostgREST's own errors, one constructor per code. */
export const errors = {
  parse: (what: string, value: string, column: number, details: string) =>
    new ApiError(400, 'PGRST100', `"failed to parse ${what} (${value})" (line 1, column ${column})`, details),
  parseSimple: (message: string, details: string | null = null) => new ApiError(400, 'PGRST100', message, details),
  rpcMethod: (method: string) => new ApiError(405, 'PGRST101', `Cannot use the ${method} method on RPC`),
  invalidBody: (message: string) => new ApiError(400, 'PGRST102', message),
  rangeOutOfBounds: (lower: number, total: number) =>
    new ApiError(416, 'PGRST103', 'Requested range not satisfiable', `An offset of ${lower} was requested, but there are only ${total} rows.`, null, { 'Content-Range': `*/${total}` }),
  rangeLowerGtUpper: () =>
    new ApiError(416, 'PGRST103', 'Requested range not satisfiable', 'The lower boundary must be lower than or equal to the upper boundary in the Range header.'),
  negativeLimit: () =>
    new ApiError(416, 'PGRST103', 'Requested range not satisfiable', 'Limit should be greater than or equal to zero.'),
  putFilters: () =>
    new ApiError(405, 'PGRST105', "Filters must include all and only primary key columns with 'eq' operators"),
  schema: (schema: string, schemas: string[]) =>
    new ApiError(406, 'PGRST106', `Invalid schema: ${schema}`, null, `Only the following schemas are exposed: ${schemas.join(', ')}`),
  mediaType: (types: string[]) =>
    new ApiError(406, 'PGRST107', `None of these media types are available: ${types.join(', ')}`),
  contentType: (type: string) => new ApiError(415, 'PGRST107', `Content-Type not acceptable: ${type}`),
  notEmbedded: (resource: string) =>
    new ApiError(400, 'PGRST108', `'${resource}' is not an embedded resource in this request`, null, `Verify that '${resource}' is included in the 'select' query parameter.`),
  limitWithoutOrder: () =>
    new ApiError(400, 'PGRST109', "A 'limit' was applied without an explicit 'order'", null, "Apply an 'order' using unique column(s)"),
  gucHeaders: () =>
    new ApiError(500, 'PGRST111', 'response.headers guc must be a JSON array composed of objects with a single key and a string value'),
  gucStatus: () => new ApiError(500, 'PGRST112', 'response.status guc must be a valid status code'),
  putLimit: () => new ApiError(400, 'PGRST114', 'limit/offset querystring parameters are not allowed for PUT'),
  putPk: () => new ApiError(400, 'PGRST115', 'Payload values do not match URL in primary key column(s)'),
  singular: (rows: number) =>
    new ApiError(406, 'PGRST116', 'JSON object requested, multiple (or no) rows returned', `The result contains ${rows} rows`),
  method: (method: string) => new ApiError(405, 'PGRST117', `Unsupported HTTP method: ${method}`),
  spreadNotToOne: (origin: string, target: string) =>
    new ApiError(400, 'PGRST119', `A spread operation on '${target}' is not possible`, `'${origin}' and '${target}' do not form a many-to-one or one-to-one relationship`),
  embedFilter: (target: string) =>
    new ApiError(400, 'PGRST120', `Bad operator on the '${target}' embedded resource`, 'Only is null or not is null filters are allowed on embedded resources'),
  invalidPreferences: (prefs: string[]) =>
    new ApiError(400, 'PGRST122', 'Invalid preferences given with handling=strict', `Invalid preferences: ${prefs.join(', ')}`),
  maxAffected: (rows: number) =>
    new ApiError(400, 'PGRST124', 'Query result exceeds max-affected preference constraint', `The query affects ${rows} rows`),
  invalidPath: () => new ApiError(404, 'PGRST125', 'Invalid path specified in request URL'),
  noRelationship: (parent: string, child: string, hint: string | undefined, schema: string) =>
    new ApiError(
      400,
      'PGRST200',
      `Could not find a relationship between '${parent}' and '${child}' in the schema cache`,
      `Searched for a foreign key relationship between '${parent}' and '${child}${hint ? `' using the hint '${hint}` : ''}' in the schema '${schema}', but no matches were found.`,
    ),
  ambiguousRelationship: (parent: string, child: string, details: object[], hint: string) =>
    new ApiError(300, 'PGRST201', `Could not embed because more than one relationship was found for '${parent}' and '${child}'`, details, hint),
  noFunction: (schema: string, name: string, args: string[], hint: string | null = null) => {
    const params = args.length ? `(${args.join(', ')})` : ' without parameters'
    const det = args.length ? ` with parameter${args.length > 1 ? 's' : ''} ${args.join(', ')}` : ' without parameters'
    return new ApiError(404, 'PGRST202', `Could not find the function ${schema}.${name}${params} in the schema cache`, `Searched for the function ${schema}.${name}${det}, but no matches were found in the schema cache.`, hint)
  },
  noFunctionSingleJson: (schema: string, name: string) =>
    new ApiError(404, 'PGRST202', `Could not find the function ${schema}.${name} in the schema cache`, `Searched for the function ${schema}.${name} with a single json/jsonb parameter, but no matches were found in the schema cache.`),
  ambiguousFunction: (candidates: string[]) =>
    new ApiError(300, 'PGRST203', `Could not choose the best candidate function between: ${candidates.join(', ')}`, null, 'Try renaming the parameters or the function itself in the database so function overloading can be resolved'),
  noColumn: (relation: string, column: string) =>
    new ApiError(400, 'PGRST204', `Could not find the '${column}' column of '${relation}' in the schema cache`),
  noTable: (schema: string, name: string) =>
    new ApiError(404, 'PGRST205', `Could not find the table '${schema}.${name}' in the schema cache`),
  noSchemaCache: () => new ApiError(503, 'PGRST002', 'Could not query the database for the schema cache. Retrying.'),
  connection: () => new ApiError(503, 'PGRST000', 'Database connection error. Retrying the connection.'),
  internal: internalError,
}

/**
 * Our own errors, for what PostgREST does not have (atomic batches): the PGSR range (pgStack
 * REST), never PGRST's. Same body shape.
 */
export const ownErrors = {
  batchShape: (details: string) =>
    new ApiError(400, 'PGSR100', 'Invalid batch', details, 'Send {"operations": [{"method": "POST", "path": "/table", "body": {…}}, …]}.'),
  batchOperation: (index: number, details: string) => new ApiError(400, 'PGSR101', `Invalid batch operation ${index}`, details),
  batchReference: (index: number, ref: string, details: string) =>
    new ApiError(400, 'PGSR102', `Operation ${index} refers to {{${ref}}}, which cannot be resolved`, details, 'A reference names an earlier operation (its name or index) and a path into its result: {{order.id}}, {{0.0.id}}.'),
  spreadAggregate: (target: string) =>
    new ApiError(400, 'PGSR103', `Aggregates inside the spread embed '${target}' are not supported`, null, 'Aggregate in the embed without the spread, or spread without aggregates.'),
}

/** PostgREST's SQLSTATE → HTTP status table. `authenticated`: the request carried a valid JWT. */
export function statusForSqlState(code: string, message: string, authenticated: boolean): number {
  if (code === '23503' || code === '23505') return 409
  if (code === '25006') return 405
  if (code === '21000') return message.endsWith('requires a WHERE clause') ? 400 : 500
  if (code === '22023') return message.startsWith('role') && message.endsWith('does not exist') ? 401 : 400
  if (code === '53400') return 500
  if (code === '57P01') return 503
  if (code === 'P0001') return 400
  if (code === '42883') return 404
  if (code === '42P01') return 404
  if (code === '42P17') return 500
  if (code === '42501') return authenticated ? 403 : 401
  if (code.startsWith('PT')) {
    const status = Number(code.slice(2))
    return Number.isInteger(status) && status >= 100 && status <= 599 ? status : 500
  }
  const prefix = code.slice(0, 2)
  const byPrefix: Record<string, number> = {
    '08': 503, '09': 500, '0L': 403, '0P': 403, '25': 500, '28': 403, '2D': 500, '38': 500, '39': 500,
    '3B': 500, '40': 500, '53': 503, '54': 500, '55': 500, '57': 500, '58': 500, F0: 500, HV: 500,
    P0: 500, XX: 500,
  }
  return byPrefix[prefix] ?? 400
}

interface PgErrorLike {
  code?: string
  message: string
  detail?: string
  hint?: string
}

function isPgError(error: unknown): error is PgErrorLike & { code: string } {
  return error instanceof Error && typeof (error as PgErrorLike).code === 'string' && /^[0-9A-Z]{5}$/.test((error as PgErrorLike).code!)
}

/** Turns anything thrown while serving a request into an ApiError; unknown errors become a 500. */
export function toRestError(error: unknown, authenticated: boolean): ApiError {
  if (error instanceof ApiError) return error
  if (error instanceof TokenRejected) return rejectedAsPostgrest(error)
  if (isPgError(error)) {
    if (error.code === 'PGRST') return raisedPgrst(error)
    const status = statusForSqlState(error.code, error.message, authenticated)
    const headers: Record<string, string> = status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {}
    return new ApiError(status, error.code, error.message, error.detail ?? null, error.hint ?? null, headers)
  }
  const code = (error as { code?: unknown })?.code
  if (typeof code === 'string' && /^E(CONNREFUSED|CONNRESET|PIPE)$/.test(code)) return errors.connection()
  return errors.internal()
}

/** `RAISE SQLSTATE 'PGRST' USING message = '{json}', detail = '{status, headers}'`. */
function raisedPgrst(error: PgErrorLike): ApiError {
  try {
    const body = JSON.parse(error.message) as Record<string, unknown>
    const meta = JSON.parse(error.detail ?? '') as { status?: unknown; headers?: Record<string, unknown> }
    if (typeof body.code !== 'string' || typeof body.message !== 'string' || typeof meta.status !== 'number') throw new Error()
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(meta.headers ?? {})) headers[k] = String(v)
    return new ApiError(meta.status, body.code, body.message, typeof body.details === 'string' ? body.details : null, typeof body.hint === 'string' ? body.hint : null, headers)
  } catch {
    return new ApiError(500, 'PGRST121', `Could not parse JSON in the "RAISE SQLSTATE 'PGRST'" error`)
  }
}
