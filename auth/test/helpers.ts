// Shared setup for auth's end-to-end tests: a hub over a fresh database with a cheap scrypt cost,
// auth-js clients for the anon and service keys, a superuser SQL connection, and the outbox.
import pg from 'pg'
import tap from 'tap'
import { AuthClient } from '@supabase/auth-js'
import { startTestHub, type TestHub } from '@pgstack/hub/testing'

export interface AuthTestHub extends TestHub {
  authUrl: string
  /** A fresh auth-js client (no persistence, no auto refresh) with the anon key. */
  client(): InstanceType<typeof AuthClient>
  /** An auth-js client with the service role key, for .admin. */
  adminClient(): InstanceType<typeof AuthClient>
  sql<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>
  /** Raw HTTP to /auth/v1 with the anon key and API version header auth-js sends. */
  // JSON bodies of every endpoint's shape; tests assert on their fields.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>
  /** The newest outbox message to an address. */
  lastMail(to: string): Promise<{ kind: string; subject: string; body_text: string } | undefined>
}

interface Teardown {
  teardown(fn: () => unknown): void
}

export async function startAuthHub(t: Teardown, env: Record<string, string> = {}): Promise<AuthTestHub> {
  const hub = await startTestHub(t, { env: { PGSTACK_AUTH_SCRYPT_LOG_N: '10', ...env } })
  const authUrl = `${hub.url}/auth/v1`
  const admin = new pg.Client({ connectionString: hub.db.adminUrl })
  await admin.connect()
  t.teardown(() => admin.end())
  const makeClient = (key: string, bearer?: string) =>
    new AuthClient({
      url: authUrl,
      headers: { apikey: key, ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) },
      persistSession: false,
      autoRefreshToken: false,
      detectSessionInUrl: false,
    })
  const sql = async <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => (await admin.query<R>(text, values)).rows
  return {
    ...hub,
    authUrl,
    client: () => makeClient(hub.anonKey),
    adminClient: () => makeClient(hub.serviceKey, hub.serviceKey),
    sql,
    async call(method, path, body, headers = {}) {
      const res = await fetch(`${authUrl}${path}`, {
        method,
        redirect: 'manual',
        headers: {
          apikey: hub.anonKey,
          'x-supabase-api-version': '2024-01-01',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      const text = await res.text()
      let parsed: unknown = text
      try {
        parsed = text ? JSON.parse(text) : undefined
      } catch {
        // not JSON
      }
      return { status: res.status, body: parsed, headers: res.headers }
    },
    async lastMail(to) {
      const rows = await sql<{ kind: string; subject: string; body_text: string }>(
        'SELECT kind, subject, body_text FROM auth.mail_outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1',
        [to],
      )
      return rows[0]
    },
  }
}

const shared = new Map<string, Promise<AuthTestHub>>()

/** One hub per test file and settings, for tests that do not need a database of their own. */
export function sharedAuthHub(env: Record<string, string> = {}): Promise<AuthTestHub> {
  const key = JSON.stringify(env)
  let hub = shared.get(key)
  if (!hub) {
    hub = startAuthHub(tap, env)
    shared.set(key, hub)
  }
  return hub
}

/** The code and link a mail carries. */
export function readMail(body: string): { otp: string; link: string } {
  const link = /(https?:\/\/\S+\/verify\?\S+)/.exec(body)?.[1]
  const otp = /code: (\d+)/.exec(body)?.[1]
  if (!link || !otp) throw new Error(`no link/code in mail: ${body}`)
  return { otp, link }
}
