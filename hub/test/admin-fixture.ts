// Shared setup for the admin API's tests: a hub over a fresh database, a superuser connection,
// users signed up through /auth/v1, and raw calls to /admin/v1 with any token.
import pg from 'pg'
import { startTestHub, type TestHub } from '@pgstack/hub/testing'

interface Teardown {
  teardown(fn: () => unknown): void
}

export interface AdminReply {
  status: number
  // JSON bodies of every endpoint's shape; tests assert on their fields.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any
  headers: Headers
}

export interface SignedIn {
  id: string
  email: string
  accessToken: string
  refreshToken: string
}

export interface AdminHub extends TestHub {
  sql<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>
  /** A call to /admin/v1 with `token` as the bearer (no header when null). */
  admin(method: string, path: string, token: string | null, body?: unknown): Promise<AdminReply>
  /** Signs a new user up through /auth/v1 (autoconfirm) and returns their session. */
  signUp(email: string, password?: string): Promise<SignedIn>
}

export async function startAdminHub(t: Teardown, env: Record<string, string> = {}): Promise<AdminHub> {
  const hub = await startTestHub(t, { env: { PGSTACK_AUTH_SCRYPT_LOG_N: '10', ...env } })
  const client = new pg.Client({ connectionString: hub.db.adminUrl })
  await client.connect()
  t.teardown(() => client.end())
  return {
    ...hub,
    sql: async (text, values) => (await client.query(text, values)).rows,
    async admin(method, path, token, body) {
      const res = await fetch(`${hub.url}/admin/v1${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      })
      const text = await res.text()
      return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers }
    },
    async signUp(email, password = 'correct horse 9') {
      const res = await fetch(`${hub.url}/auth/v1/signup`, {
        method: 'POST',
        headers: { apikey: hub.anonKey, 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      })
      const body = (await res.json()) as { access_token?: string; refresh_token?: string; user?: { id: string }; msg?: string }
      if (!body.access_token) throw new Error(`sign-up of ${email} failed: ${res.status} ${JSON.stringify(body)}`)
      return { id: body.user!.id, email, accessToken: body.access_token, refreshToken: body.refresh_token! }
    },
  }
}
