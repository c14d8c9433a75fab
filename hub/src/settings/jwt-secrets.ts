// The HS256 secrets of a rotation (docs/admin-api.md, "Keys"): which one is current and which
// older ones are still accepted until their deadline, decided from PGSTACK_JWT_SECRET and the
// rows of pgstack.jwt_secrets; and the rotation itself, one transaction under a table lock so
// that two hubs rotating at once make one new secret each in turn, never two current ones.
import { createHash, randomBytes } from 'node:crypto'
import type pg from 'pg'
import { asRole, type Db } from '../admin/db.ts'

export interface SecretRow {
  id: string
  secret: string
  fingerprint: string
  created_at: Date
  expires_at: Date | null
}

export interface KeyState {
  current: { id: string; secret: string; fingerprint: string; source: 'env' | 'database'; createdAt: Date | null }
  previous: Array<{ id: string; secret: string; fingerprint: string; expiresAt: Date }>
}

export const fingerprint = (secret: string) => `sha256:${createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 16)}`

/**
 * The current secret and the ones still accepted. The stored secrets count only while the
 * environment holds one of them (the one a rotation replaced, or a later one); a secret the
 * database never saw is the operator's new choice, and wins alone.
 */
export function resolveKeys(envSecret: string, rows: readonly SecretRow[], now = new Date()): KeyState {
  const envFingerprint = fingerprint(envSecret)
  const fromEnv: KeyState = { current: { id: 'env', secret: envSecret, fingerprint: envFingerprint, source: 'env', createdAt: null }, previous: [] }
  if (!rows.some((row) => row.fingerprint === envFingerprint)) return fromEnv
  const current = [...rows].filter((row) => row.expires_at === null).sort((a, b) => Number(b.id) - Number(a.id))[0]
  if (!current) return fromEnv
  return {
    current: { id: current.id, secret: current.secret, fingerprint: current.fingerprint, source: 'database', createdAt: current.created_at },
    previous: rows
      .filter((row) => row !== current && row.expires_at !== null && row.expires_at > now)
      .sort((a, b) => Number(b.id) - Number(a.id))
      .map((row) => ({ id: row.id, secret: row.secret, fingerprint: row.fingerprint, expiresAt: row.expires_at! })),
  }
}

async function readRows(db: Db): Promise<SecretRow[]> {
  const { rows } = await db.query<SecretRow>('SELECT id::text, secret, fingerprint, created_at, expires_at FROM pgstack.jwt_secrets ORDER BY id')
  return rows
}

export async function loadKeys(pool: pg.Pool, envSecret: string): Promise<KeyState> {
  return resolveKeys(envSecret, await asRole(pool, 'pgstack_admin', readRows))
}

/**
 * Makes a new secret current; the one it replaces stays valid for `graceSeconds`. A current
 * secret from the environment is stored first (with its deadline), so that every hub knows it.
 */
export async function rotate(pool: pg.Pool, envSecret: string, graceSeconds: number): Promise<KeyState> {
  return asRole(pool, 'pgstack_admin', async (db) => {
    await db.query('LOCK TABLE pgstack.jwt_secrets IN EXCLUSIVE MODE')
    const before = resolveKeys(envSecret, await readRows(db))
    const { rows } = await db.query<{ deadline: Date }>(`SELECT now() + make_interval(secs => $1) AS deadline`, [graceSeconds])
    const deadline = rows[0]!.deadline
    if (before.current.source === 'env') {
      // stored secrets the environment no longer holds ended when it changed; say so in the table
      await db.query('UPDATE pgstack.jwt_secrets SET expires_at = now() WHERE expires_at IS NULL OR expires_at > now()')
      await db.query(
        `INSERT INTO pgstack.jwt_secrets (secret, fingerprint, replaces, expires_at) VALUES ($1, $2, '', $3)
         ON CONFLICT (fingerprint) DO UPDATE SET expires_at = excluded.expires_at`,
        [envSecret, before.current.fingerprint, deadline],
      )
    } else {
      await db.query('UPDATE pgstack.jwt_secrets SET expires_at = $2 WHERE id = $1', [before.current.id, deadline])
    }
    const next = randomBytes(48).toString('base64url')
    await db.query('INSERT INTO pgstack.jwt_secrets (secret, fingerprint, replaces) VALUES ($1, $2, $3)', [next, fingerprint(next), before.current.fingerprint])
    return resolveKeys(envSecret, await readRows(db))
  })
}
