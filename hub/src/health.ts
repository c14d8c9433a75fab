// GET /health: the PostgreSQL version, the pg_reactive version and uptime. 503 when the
// database does not answer, so that orchestrators and `dev` see it at once.
import type pg from 'pg'
import type { HttpHandler } from './http.ts'

export function healthHandler(pool: pg.Pool, startedAt: number): HttpHandler {
  return async () => {
    const uptimeSeconds = Math.round((Date.now() - startedAt) / 100) / 10
    const json = (status: number, body: unknown) => ({
      status,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
      body: JSON.stringify(body),
    })
    try {
      const { rows } = await pool.query<{ postgres: string; pg_reactive: string | null }>(
        `SELECT current_setting('server_version') AS postgres,
                (SELECT extversion FROM pg_extension WHERE extname = 'pg_reactive') AS pg_reactive`,
      )
      const row = rows[0]!
      return json(200, { status: 'ok', postgres: row.postgres, pg_reactive: row.pg_reactive, uptime_seconds: uptimeSeconds })
    } catch (error) {
      return json(503, {
        status: 'unavailable',
        postgres: null,
        pg_reactive: null,
        uptime_seconds: uptimeSeconds,
        error: (error as Error).message,
      })
    }
  }
}
