// A request → what runs it: plan, statement, and whether it goes in one pipelined batch. The full
// path parses, plans and builds the SQL; reads by shape skip all three.
// Reads by shape: a GET or HEAD that differs from an earlier one only in the values of its
// top-level `column=eq.value` filters reuses that request's plan and SQL, with its own values
// bound in their places — a GET by key is parsed, planned and built once per shape, not once per
// request (that cut the compiled hub's CPU per `GET /items?id=eq.N` by ~15%, 39 → 31–34 µs). The SQL text stays the same,
// so PostgreSQL runs the statement prepared on each connection.
// A shape is learnt only when building the request again with marker values proves that the
// values are bound as they are and nowhere else; the shapes live with the schema cache they were
// planned against, so a reload (DDL) starts afresh.
import type { RestHttpRequest } from './http-types.ts'
import { planRequest } from './plan/plan-request.ts'
import type { Plan, ReadNode } from './plan/types.ts'
import type { ApiRequest } from './request/types.ts'
import type { SchemaCache } from './schema-cache.ts'
import { buildStatement, type BuiltQuery } from './sql/build-statement.ts'

/** What the handler needs to run a request: its plan and statement, and how to answer. */
export interface Prepared {
  plan: Plan
  query: BuiltQuery
  /** Whether the request goes in one pipelined batch (see `isSmall`). */
  small: boolean
  /** The response's Content-Profile (the schema, when the client negotiated it). */
  profile: string | undefined
}

const SMALL = 500

/** Filters `col=eq.v` (at the top level) covering a unique key: at most one row. */
function byUniqueKey(node: ReadNode): boolean {
  const eqs = new Set(node.filters.flatMap((f) => (f.kind === 'condition' && f.operator === 'eq' && !f.negated && !f.quantifier && !f.path.length ? [f.column] : [])))
  return node.table.uniqueKeys.some((key) => key.length > 0 && key.every((c) => eqs.has(c)))
}

/**
 * Whether the whole request can go in one pipelined batch: its result is bounded (so no cursor
 * is needed) and nothing must be checked between the statement and the commit.
 */
function isSmall(plan: Plan): boolean {
  if (plan.rollback) return false // tx=rollback: execute.ts ends it with an explicit ROLLBACK
  if (plan.kind === 'read') return (plan.node.limit !== undefined && plan.node.limit <= SMALL) || byUniqueKey(plan.node)
  if (plan.kind === 'call') {
    if (!plan.readOnly && (plan.accept === 'object' || plan.maxAffected !== undefined)) return false
    if (!plan.routine.returnsSet || plan.routine.returnKind === 'void') return true
    return plan.limit !== undefined && plan.limit <= SMALL
  }
  return plan.accept !== 'object' && plan.maxAffected === undefined && plan.kind !== 'upsert-put'
}

/** The full path for a parsed request (not the root): plan and statement. */
export function prepareRequest(api: ApiRequest, cache: SchemaCache): Prepared {
  const plan = planRequest(api, cache)
  const small = isSmall(plan)
  return { plan, query: buildStatement(plan, { whole: small }), small, profile: api.negotiatedSchema ? api.schema : undefined }
}

interface Shape {
  plan: Plan
  text: string
  /** The statement's values, with the masked values' places to fill. */
  values: unknown[]
  /** For each masked value (in query-string order), the places it is bound at. */
  places: number[][]
  small: boolean
  profile: string | undefined
}

/** A request reduced to its shape: the key, and the masked filter values in order. */
export interface ShapeKey {
  key: string
  values: string[]
}

/** Most shapes remembered per schema cache; past it the oldest is forgotten. */
const MAX_SHAPES = 1000
const SIMPLE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/
const RESERVED = new Set(['select', 'columns', 'on_conflict', 'order', 'limit', 'offset', 'or', 'and', 'not'])
const MARK = '\u0000pgsr'
const marker = (i: number) => `${MARK}${i}\u0000`

/** A query-string value as URLSearchParams decodes it ('+' is a space, %XX a byte of UTF-8). */
function decodeValue(raw: string): string {
  return raw.includes('%') || raw.includes('+') ? new URLSearchParams(`v=${raw}`).get('v')! : raw
}

/** The column of a top-level `column=eq.value` pair, whose value a shape leaves out; else undefined. */
function maskedColumn(pair: string): string | undefined {
  const eq = pair.indexOf('=')
  if (eq <= 0 || !pair.startsWith('eq.', eq + 1)) return undefined
  const name = pair.slice(0, eq)
  return SIMPLE_KEY.test(name) && !RESERVED.has(name) ? name : undefined
}

/**
 * The shape of a GET/HEAD without a body: method, path, the headers a read depends on and the
 * raw query string with each top-level `column=eq.value` value cut out. Anything else (another
 * method, a body) has no shape and takes the full path.
 */
export function shapeKey(req: RestHttpRequest): ShapeKey | undefined {
  if ((req.method !== 'GET' && req.method !== 'HEAD') || req.body.length) return undefined
  const h = req.headers
  // Raw request lines and header values hold no NUL: it separates the parts unambiguously.
  let key = `${req.method}\u0000${req.routePath}\u0000${h.accept ?? ''}\u0000${h.prefer ?? ''}\u0000${h.range ?? ''}\u0000${h['range-unit'] ?? ''}\u0000${h['accept-profile'] ?? ''}\u0000${h['content-type'] ?? ''}\u0000`
  const values: string[] = []
  if (req.query !== '') {
    for (const pair of req.query.split('&')) {
      const name = maskedColumn(pair)
      if (name === undefined) key += `${pair}&`
      else {
        key += `${name}=eq.\u0001&`
        values.push(decodeValue(pair.slice(name.length + 4)))
      }
    }
  }
  return { key, values }
}

/** The request with its masked values replaced by `values` (percent-encoded), same shape. */
function withValues(req: RestHttpRequest, values: string[]): RestHttpRequest {
  let i = 0
  const query = req.query.split('&').map((pair) => {
    const name = maskedColumn(pair)
    return name === undefined ? pair : `${name}=eq.${encodeURIComponent(values[i++]!)}`
  })
  return { ...req, query: query.join('&') }
}

const sameValue = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b)

export class ReadShapes {
  private readonly byCache = new WeakMap<SchemaCache, Map<string, Shape>>()

  /** The prepared request when its shape is known (its own values bound), else undefined. */
  find(cache: SchemaCache, shape: ShapeKey): Prepared | undefined {
    const known = this.byCache.get(cache)?.get(shape.key)
    if (!known) return undefined
    const values = known.values.slice()
    for (let i = 0; i < known.places.length; i++) for (const at of known.places[i]!) values[at] = shape.values[i]
    return { plan: known.plan, query: { text: known.text, values }, small: known.small, profile: known.profile }
  }

  /**
   * Learns the shape of a request just prepared the full way (`prepared`), when it is a read
   * with one statement: `prepare` builds it again with markers for the masked values, and the
   * shape is kept only if the two statements are the same text and the same values apart from
   * the markers, each marker bound as it is (so a value is never rewritten or spliced in).
   */
  learn(cache: SchemaCache, shape: ShapeKey, req: RestHttpRequest, prepared: Prepared, prepare: (req: RestHttpRequest) => Prepared): void {
    if (prepared.plan.kind !== 'read' || prepared.query.countStatement || prepared.query.plannedParam !== undefined) return
    if (!shape.values.length) {
      // Nothing masked: the key is the whole request, which always builds this statement.
      this.remember(cache, shape.key, { plan: prepared.plan, text: prepared.query.text, values: prepared.query.values, places: [], small: prepared.small, profile: prepared.profile })
      return
    }
    const markers = shape.values.map((_, i) => marker(i))
    let probe: Prepared
    try {
      probe = prepare(withValues(req, markers))
    } catch {
      return // a value the markers stand for changed what the request means
    }
    const { text, values } = probe.query
    if (text !== prepared.query.text || values.length !== prepared.query.values.length || text.includes(MARK) || probe.query.countStatement || probe.small !== prepared.small) return
    const places: number[][] = markers.map(() => [])
    for (let at = 0; at < values.length; at++) {
      const v = values[at]
      const m = typeof v === 'string' ? markers.indexOf(v) : -1
      if (m >= 0) {
        if (prepared.query.values[at] !== shape.values[m]) return
        places[m]!.push(at)
      } else if (JSON.stringify(v ?? null).includes('\\u0000pgsr') || !sameValue(v, prepared.query.values[at])) return
    }
    if (places.some((p) => p.length === 0)) return
    this.remember(cache, shape.key, { plan: probe.plan, text, values, places, small: probe.small, profile: probe.profile })
  }

  private remember(cache: SchemaCache, key: string, shape: Shape): void {
    let shapes = this.byCache.get(cache)
    if (!shapes) this.byCache.set(cache, (shapes = new Map()))
    if (shapes.size >= MAX_SHAPES) shapes.delete(shapes.keys().next().value!)
    shapes.set(key, shape)
  }
}
