// The running stack the SDK's end-to-end tests talk to: a hub over a fresh database holding the
// fixture (fixtures.sql, loaded before the hub starts so its schema cache sees it), a typed
// client, and SQL and outbox access for what a test needs to read behind the API.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { createTestDatabase } from '@pgstack/infra/testing'
import { startTestHub, type TestHub } from '@pgstack/hub/testing'
import { createClient, type PgstackClient, type PgstackClientOptions } from '@pgstack/sdk/pgstack'
import type { Database } from './database.ts'

interface Teardown {
  teardown(fn: () => unknown): void
}

export interface SdkStack extends TestHub {
  /** A new client with the anon key, in-memory session, no auto refresh unless asked. */
  client(options?: PgstackClientOptions<'public'>): PgstackClient<Database>
  sql<R extends pg.QueryResultRow = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<R[]>
  /** The code in the newest mail to an address. */
  lastOtp(to: string): Promise<string | undefined>
}

const fixture = readFileSync(join(import.meta.dirname, 'fixtures.sql'), 'utf8')

export async function startSdkStack(
  t: Teardown,
  env: Record<string, string> = {},
): Promise<SdkStack> {
  const database = await createTestDatabase(t)
  const admin = new pg.Client({ connectionString: database.adminUrl })
  await admin.connect()
  t.teardown(() => admin.end())
  await admin.query(fixture)
  const hub = await startTestHub(t, { database, env: { PGSTACK_AUTH_SCRYPT_LOG_N: '10', ...env } })
  // /rest/v1 answers 503 (PGRST002) until its schema cache is loaded, which takes a while on a
  // busy machine; tests start once it answers.
  for (const end = Date.now() + 30_000; ;) {
    const res = await fetch(`${hub.url}/rest/v1/todos?limit=0`, {
      headers: { apikey: hub.anonKey },
    })
    await res.body?.cancel()
    if (res.status !== 503 || Date.now() > end) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const sql = async <R extends pg.QueryResultRow>(text: string, values?: unknown[]) =>
    (await admin.query<R>(text, values)).rows
  return {
    ...hub,
    client(options = {}) {
      const client = createClient<Database>(hub.url, hub.anonKey, {
        ...options,
        auth: {
          persistSession: false,
          autoRefreshToken: false,
          detectSessionInUrl: false,
          ...options.auth,
        },
      })
      t.teardown(() => client.close())
      return client
    },
    sql,
    async lastOtp(to) {
      const rows = await sql<{ body_text: string }>(
        'SELECT body_text FROM auth.mail_outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1',
        [to],
      )
      return rows[0] ? /code: (\d+)/.exec(rows[0].body_text)?.[1] : undefined
    },
  }
}
