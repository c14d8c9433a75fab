// The signed-in session: which token the Studio uses, where it is kept (this tab, or this browser
// when asked to remember), and the one Api instance built on it. Nothing of the Studio works
// without a session; a 401 from the hub ends it.
import { createEffect, createRoot, createSignal } from 'solid-js'
import { Api, type ApiError } from './api.ts'

export interface Session {
  token: string
  kind: 'service_key' | 'admin_user'
  /** The admin user's email, for display. */
  email?: string
  /** Seconds since the epoch, when the token says. */
  expiresAt?: number | null
  /** An admin user's /auth/v1 refresh token, to get a fresh admin token before this one ends. */
  refreshToken?: string
}

const STORAGE_KEY = 'pgstack.studio.session'

function loadSession(): Session | null {
  for (const storage of [sessionStorage, localStorage]) {
    try {
      const raw = storage.getItem(STORAGE_KEY)
      if (raw) return JSON.parse(raw) as Session
    } catch {
      // unreadable: treat as signed out
    }
  }
  return null
}

const [session, setSession] = createSignal<Session | null>(loadSession())
const [endedBecause, setEndedBecause] = createSignal<string | null>(null)
export { session, endedBecause }

export const api = new Api(location.origin, () => session()?.token ?? null, () => {
  if (session()) signOut('The hub refused the session’s token (expired or rotated). Sign in again.')
})

function keep(next: Session, remember: boolean): void {
  sessionStorage.removeItem(STORAGE_KEY)
  localStorage.removeItem(STORAGE_KEY)
  ;(remember ? localStorage : sessionStorage).setItem(STORAGE_KEY, JSON.stringify(next))
  setEndedBecause(null)
  setSession(next)
}

export function signOut(reason: string | null = null): void {
  sessionStorage.removeItem(STORAGE_KEY)
  localStorage.removeItem(STORAGE_KEY)
  setEndedBecause(reason)
  setSession(null)
}

/** A JWT's payload, unverified: only to tell the user early that they pasted the anon key. */
export function jwtPayload(token: string): Record<string, unknown> | null {
  const part = token.split('.')[1]
  if (!part) return null
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='))
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Record<string, unknown>
  } catch {
    return null
  }
}

function refusal(message: string, hint: string | null = null): ApiError {
  return { status: 0, code: 'STUDIO', message, details: null, hint }
}

/** Signs in with the service key, after the hub has accepted it for an admin-only request. */
export async function signInWithKey(key: string, remember: boolean): Promise<ApiError | null> {
  const token = key.trim()
  const payload = jwtPayload(token)
  if (!payload) return refusal('That is not a JWT.', 'Paste the service key that `npm run dev` prints (also in .pgstack/stack.json).')
  if (payload.role !== 'service_role') {
    return refusal(`That key has the role “${String(payload.role ?? 'anon')}”; the Studio needs the service key (role service_role).`)
  }
  const check = await api.get<{ expires_at: number | null }>('/admin/v1/session', { token })
  if (check.error) return check.error
  keep({ token, kind: 'service_key', expiresAt: check.data.expires_at ?? null }, remember)
  return null
}

interface UserTokens {
  access_token: string
  refresh_token: string
}
interface AdminToken {
  access_token: string
  expires_at: number
  user: { id: string; email: string | null }
}

/**
 * An admin user signs in through /auth/v1 like anyone (its rate limits, bans and audit apply), and
 * the hub exchanges their access token for a short-lived admin token (docs/admin-api.md).
 */
export async function signInWithPassword(email: string, password: string, remember: boolean): Promise<ApiError | null> {
  const user = await api.post<UserTokens>('/auth/v1/token', { email, password }, { query: { grant_type: 'password' }, token: '' })
  if (user.error) return user.error
  const admin = await exchange(user.data)
  if (admin.error) return admin.error
  keep(admin.data, remember)
  return null
}

async function exchange(user: UserTokens): Promise<{ data: Session; error: null } | { data: null; error: ApiError }> {
  const admin = await api.post<AdminToken>('/admin/v1/token', undefined, { token: user.access_token })
  if (admin.error) return admin
  return {
    data: { token: admin.data.access_token, kind: 'admin_user', email: admin.data.user.email ?? undefined, expiresAt: admin.data.expires_at, refreshToken: user.refresh_token },
    error: null,
  }
}

/** An admin user's token lasts minutes: refresh the user's session and exchange again before it ends. */
let refreshTimer: ReturnType<typeof setTimeout> | undefined
function scheduleRefresh(current: Session | null): void {
  clearTimeout(refreshTimer)
  if (!current || current.kind !== 'admin_user' || !current.refreshToken || !current.expiresAt) return
  const inMs = Math.max(5_000, current.expiresAt * 1000 - Date.now() - 60_000)
  refreshTimer = setTimeout(() => void refresh(current), inMs)
}

async function refresh(current: Session): Promise<void> {
  // Another tab of this browser may have refreshed already (the refresh token is single-use).
  const stored = loadSession()
  if (stored && stored.kind === 'admin_user' && (stored.expiresAt ?? 0) > (current.expiresAt ?? 0)) {
    setSession(stored)
    return
  }
  const user = await api.post<UserTokens>('/auth/v1/token', { refresh_token: current.refreshToken }, { query: { grant_type: 'refresh_token' }, token: '' })
  const admin = user.error ? user : await exchange(user.data)
  if (admin.error) {
    signOut(`Your admin session ended: ${admin.error.message}`)
    return
  }
  keep(admin.data, localStorage.getItem(STORAGE_KEY) !== null)
}
createRoot(() => createEffect(() => scheduleRefresh(session())))

/** After a key rotation the Studio carries on with the new service key. */
export function replaceToken(token: string): void {
  const current = session()
  if (!current || current.kind !== 'service_key') return
  keep({ ...current, token }, localStorage.getItem(STORAGE_KEY) !== null)
}
