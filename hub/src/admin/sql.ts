// POST /admin/v1/sql: the SQL editor's statements, run as service_role in one transaction with a
// statement timeout. Cells are PostgreSQL's text (no digit of a bigint or numeric is lost); rows
// past max_rows are counted, not kept. A PostgreSQL error comes back with its position as
// offset, line and column, so the editor can point at it.
import pg from 'pg'
import type { HttpResponse } from '../http.ts'
import { postgrestBody } from '@pgstack/common'
import { toApiError } from '../live/errors.ts'
import { asRole } from './db.ts'
import { invalid } from './errors.ts'
import { booleanField, integerField, json, readJson, stringField } from './http.ts'
import type { AdminRoute } from './router.ts'

const TEXT_TYPES = { getTypeParser: () => (value: string) => value }

interface Collected {
  rows: Array<Array<string | null>>
  seen: number
}

interface ResultLike {
  command: string | null
  rowCount: number | null
  fields: Array<{ name: string; dataTypeID: number; dataTypeModifier: number }>
}

/** Line and column (1-based) of PostgreSQL's 1-based character position in `text`. */
export function positionOf(text: string, position: number): { offset: number; line: number; column: number } {
  const chars = Array.from(text).slice(0, Math.max(0, position - 1))
  let line = 1
  let column = 1
  for (const char of chars) {
    if (char === '\n') {
      line++
      column = 1
    } else column++
  }
  return { offset: position, line, column }
}

/** Runs `text` (simple protocol, several statements allowed) and collects each result. */
function run(client: pg.PoolClient, text: string, maxRows: number): Promise<{ results: ResultLike[]; collected: Map<ResultLike, Collected> }> {
  return new Promise((resolve, reject) => {
    const collected = new Map<ResultLike, Collected>()
    // (rowMode is passed through to pg's Result; @types/pg leaves it out of Query's config)
    const query = new pg.Query({ text, rowMode: 'array', types: TEXT_TYPES } as pg.QueryConfig)
    query.on('row', (row: Array<string | null>, builder) => {
      const result = builder as unknown as ResultLike
      let entry = collected.get(result)
      if (!entry) collected.set(result, (entry = { rows: [], seen: 0 }))
      entry.seen++
      if (entry.rows.length < maxRows) entry.rows.push(row)
    })
    query.on('error', reject)
    query.on('end', (results: ResultLike | ResultLike[]) => resolve({ results: Array.isArray(results) ? results : [results], collected }))
    client.query(query)
  })
}

const typeNames = new Map<string, string>()

async function typeNamesOf(pool: pg.Pool, results: ResultLike[]): Promise<void> {
  const wanted = new Map<string, [number, number]>()
  for (const result of results) for (const f of result.fields) {
    const key = `${f.dataTypeID}:${f.dataTypeModifier}`
    if (!typeNames.has(key)) wanted.set(key, [f.dataTypeID, f.dataTypeModifier])
  }
  if (wanted.size === 0) return
  const pairs = [...wanted.values()]
  const { rows } = await pool.query<{ i: number; name: string }>(
    'SELECT i::int, format_type(t, m) AS name FROM unnest($1::oid[], $2::int[]) WITH ORDINALITY u(t, m, i)',
    [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
  )
  for (const row of rows) typeNames.set(`${pairs[row.i - 1]![0]}:${pairs[row.i - 1]![1]}`, row.name)
}

export function sqlRoutes(deps: { pool: pg.Pool }): AdminRoute[] {
  return [
    {
      method: 'POST',
      path: '/sql',
      handler: async ({ request }): Promise<HttpResponse> => {
        const body = readJson(request)
        const text = stringField(body, 'query', true)
        if (text.trim() === '') throw invalid('"query" is empty')
        const readOnly = booleanField(body, 'read_only') ?? false
        const maxRows = integerField(body, 'max_rows', 0, 10_000) ?? 1_000
        const timeoutMs = integerField(body, 'timeout_ms', 1, 600_000) ?? 30_000
        const started = performance.now()
        let outcome: Awaited<ReturnType<typeof run>>
        try {
          outcome = await asRole(deps.pool, 'service_role', async (db) => {
            await db.query(`SET LOCAL statement_timeout = ${timeoutMs}${readOnly ? '; SET TRANSACTION READ ONLY' : ''}`)
            return run(db as pg.PoolClient, text, maxRows)
          })
        } catch (error) {
          const e = error as { code?: unknown; position?: unknown }
          if (typeof e.code !== 'string' || !/^[0-9A-Z]{5}$/.test(e.code)) throw error
          const position = typeof e.position === 'string' && /^\d+$/.test(e.position) ? positionOf(text, Number(e.position)) : null
          return json(400, { ...postgrestBody(toApiError(error)), position })
        }
        const durationMs = Math.round((performance.now() - started) * 100) / 100
        await typeNamesOf(deps.pool, outcome.results)
        return json(200, {
          results: outcome.results.map((result) => {
            const entry = outcome.collected.get(result)
            return {
              command: result.command,
              row_count: result.rowCount,
              columns: result.fields.map((f) => ({ name: f.name, type: typeNames.get(`${f.dataTypeID}:${f.dataTypeModifier}`) ?? null })),
              rows: entry?.rows ?? [],
              truncated: (entry?.seen ?? 0) > (entry?.rows.length ?? 0),
            }
          }),
          duration_ms: durationMs,
        })
      },
    },
  ]
}
