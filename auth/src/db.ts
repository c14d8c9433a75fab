// The only door to PostgreSQL. The pool logs in as `authenticator`, which holds no rights of its
// own; auth's work runs in a transaction as supabase_auth_admin, the owner of schema auth.
import type pg from 'pg'
import { inRoleTransaction } from '@pgstack/common'

export interface Db {
  query<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>
}

/** Runs `work` in one transaction as supabase_auth_admin; rolls back on any error. */
export function inTransaction<T>(pool: pg.Pool, work: (db: Db) => Promise<T>): Promise<T> {
  return inRoleTransaction(pool, 'supabase_auth_admin', work)
}

/** A rejection carrying a result to commit first (e.g. revoking a token family, then refusing). */
export class CommitThenThrow extends Error {
  constructor(readonly error: Error) {
    super(error.message)
  }
}

/** Like inTransaction, but `work` may throw CommitThenThrow to commit and still fail. */
export async function inTransactionCommitting<T>(pool: pg.Pool, work: (db: Db) => Promise<T>): Promise<T> {
  let deferred: Error | undefined
  const result = await inTransaction(pool, async (db) => {
    try {
      return await work(db)
    } catch (error) {
      if (!(error instanceof CommitThenThrow)) throw error
      deferred = error.error
      return undefined
    }
  })
  if (deferred) throw deferred
  return result as T
}
