// The request pipeline in one place: authenticate → parse → plan → SQL → execute → render.
// Every failure, whatever its source, leaves as PostgREST's error JSON; only unknown ones log.
import type pg from 'pg'
import { isPreflight, preflight, withCors } from './cors.ts'
import { ApiError, postgrestBody, type TokenVerifier, type VerifiedToken } from '@pgstack/common'
import { BatchFailure, parseBatch, renderBatch, runOperations } from './batch.ts'
import { errors, toRestError } from './errors.ts'
import { execute, inTransaction } from './execute.ts'
import type { RestHttpRequest, RestHttpResponse } from './http-types.ts'
import { openApi } from './openapi.ts'
import { prepareRequest, ReadShapes, shapeKey, type Prepared } from './prepare.ts'
import { inspector, render } from './render.ts'
import { parseRequest } from './request/parse-request.ts'
import type { ApiRequest } from './request/types.ts'
import type { SchemaCache } from './schema-cache.ts'

export interface HandlerDeps {
  pool: pg.Pool
  schemas: string[]
  /** The hub's one token verifier. */
  verifier: TokenVerifier
  /** The loaded schema cache, or a promise while the first load runs. */
  cache: () => SchemaCache | Promise<SchemaCache>
  log: (line: string) => void
}

const ALLOW = 'OPTIONS,GET,HEAD,POST,PUT,PATCH,DELETE'

/** `POST /rest/v1/`: the operations of the body, in one transaction (see batch.ts). */
async function serveBatch(deps: HandlerDeps, req: RestHttpRequest, api: ApiRequest, auth: VerifiedToken, cache: SchemaCache): Promise<RestHttpResponse> {
  const prefs = api.preferences
  if (prefs.handling === 'strict' && prefs.invalid.length) throw errors.invalidPreferences(prefs.invalid)
  if (api.contentType !== 'application/json') throw errors.contentType(api.contentType)
  const ops = parseBatch(req.body)
  const responses = await inTransaction(deps.pool, { auth, headers: req.headers, rollback: prefs.tx === 'rollback' }, (tx) =>
    runOperations(ops, tx, cache, deps.schemas, req.headers),
  )
  const response = renderBatch(responses)
  const applied = [prefs.tx ? `tx=${prefs.tx}` : '', prefs.handling ? `handling=${prefs.handling}` : ''].filter(Boolean)
  if (applied.length) response.headers = { ...response.headers, 'Preference-Applied': applied.join(', ') }
  return response
}

export function createHandler(deps: HandlerDeps): (req: RestHttpRequest) => Promise<RestHttpResponse> {
  const handle = serve(deps)
  // Not async on the common path: a same-origin request's promise is the handler's own.
  return (req) => {
    if (req.headers.origin === undefined) return handle(req) // not cross-origin: nothing to add
    if (isPreflight(req.method, req.headers)) return Promise.resolve(preflight(req.headers))
    return handle(req).then((response) => withCors(response, req.headers))
  }
}

function serve(deps: HandlerDeps): (req: RestHttpRequest) => Promise<RestHttpResponse> {
  const shapes = new ReadShapes()
  return async (req) => {
    let authenticated = false
    try {
      if (req.method === 'OPTIONS') return { status: 200, headers: { Allow: ALLOW } }
      // Both are plain values on the common path (a known token, a loaded cache): awaiting
      // them anyway would cost a turn of the microtask queue each, on every request.
      const pendingAuth = deps.verifier.authenticate(req.headers)
      const auth = pendingAuth instanceof Promise ? await pendingAuth : pendingAuth
      authenticated = auth.authenticated
      const loaded = deps.cache()
      const cache = loaded instanceof Promise ? await loaded : loaded
      const shape = shapeKey(req)
      let prepared: Prepared | undefined = shape && shapes.find(cache, shape)
      if (!prepared) {
        const api = parseRequest(req, deps.schemas)
        if (api.resource.kind === 'root') {
          if (api.method === 'POST') return await serveBatch(deps, req, api, auth, cache)
          if (api.method !== 'GET' && api.method !== 'HEAD') throw errors.method(api.method)
          const body = JSON.stringify(openApi(cache, api.schema, req.headers.host))
          return { status: 200, headers: { 'Content-Type': 'application/openapi+json; charset=utf-8' }, body: api.method === 'HEAD' ? '' : body }
        }
        prepared = prepareRequest(api, cache)
        if (shape) shapes.learn(cache, shape, req, prepared, (probe) => prepareRequest(parseRequest(probe, deps.schemas), cache))
      }
      const { plan, query } = prepared
      const result = await execute(deps.pool, query, {
        auth,
        method: req.method,
        path: `/rest/v1${req.routePath}`,
        headers: req.headers,
        readOnly: plan.readOnly,
        rollback: plan.rollback,
        inspect: inspector(plan),
        stream: plan.kind === 'read' || (plan.kind === 'call' && plan.readOnly),
        pipelined: prepared.small,
        responseGucs: plan.kind === 'call',
        ...(plan.timezone !== undefined ? { timezone: plan.timezone } : {}),
      })
      return render(plan, result, prepared.profile)
    } catch (error) {
      // A batch's failure is its operation's error, which also names the operation.
      const failed = error instanceof BatchFailure ? error : undefined
      const cause = failed ? failed.cause : error
      const rest = toRestError(cause, authenticated)
      if (rest.status >= 500 && !(cause instanceof ApiError)) {
        deps.log(`rest: ${req.method} ${req.routePath}: ${(cause as Error)?.stack ?? String(cause)}`)
      }
      const body = failed ? { ...postgrestBody(rest), operation: { index: failed.index, ...(failed.opName !== undefined ? { name: failed.opName } : {}) } } : postgrestBody(rest)
      return {
        status: rest.status,
        headers: { 'Content-Type': 'application/json; charset=utf-8', ...rest.headers },
        body: JSON.stringify(body),
      }
    }
  }
}
