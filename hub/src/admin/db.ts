// The admin API's only door to PostgreSQL: one transaction as one role. The pool logs in as
// `authenticator`, which holds no rights of its own: admin state is read as pgstack_admin, auth's
// tables as supabase_auth_admin (their owner), user SQL as service_role.
import type pg from 'pg'
import { inRoleTransaction } from '@pgstack/common'

export type AdminRole = 'pgstack_admin' | 'supabase_auth_admin' | 'service_role'

export type Db = Pick<pg.PoolClient, 'query'>

/** Runs `work` in one transaction as `role`; rolls back on any error. */
export function asRole<T>(pool: pg.Pool, role: AdminRole, work: (db: Db) => Promise<T>): Promise<T> {
  return inRoleTransaction(pool, role, work)
}

/** One statement in its own transaction as `role`. */
export function queryAs<R extends pg.QueryResultRow>(pool: pg.Pool, role: AdminRole, text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
  return asRole(pool, role, (db) => db.query<R>(text, values))
}
