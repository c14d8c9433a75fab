// Confirming an email change. With secure email change (GoTrue's default) both the current and the
// new address get a link; the first one followed only records itself, the second completes the
// change. Without it, the link to the new address alone completes it.
import type { Db } from './db.ts'
import type { FoundToken } from './one-time-tokens.ts'
import type { UserRow } from './users.ts'

export const PARTIAL_CONFIRMATION = 'Confirmation link accepted. Please proceed to confirm link sent to the other email'

/** Applies a consumed email-change token; false when the change is not pending (any more). */
export async function applyEmailChange(db: Db, user: UserRow, token: FoundToken): Promise<'partial' | 'done' | 'invalid'> {
  if (!user.email_change) return 'invalid'
  const other = token.token_type === 'email_change_token_new' ? 'email_change_token_current' : 'email_change_token_new'
  const { rowCount: otherPending } = await db.query(
    `SELECT 1 FROM auth.one_time_tokens WHERE user_id = $1 AND token_type = $2`,
    [user.id, other],
  )
  if (otherPending) {
    await db.query(`UPDATE auth.users SET email_change_confirm_status = 1, updated_at = now() WHERE id = $1`, [user.id])
    return 'partial'
  }
  const newEmail = user.email_change.toLowerCase()
  await db.query(
    `UPDATE auth.users SET email = $2, email_change = '', email_change_sent_at = NULL, email_change_confirm_status = 0,
       email_confirmed_at = coalesce(email_confirmed_at, now()), is_anonymous = false, updated_at = now(),
       raw_app_meta_data = raw_app_meta_data || '{"provider": "email", "providers": ["email"]}'
     WHERE id = $1`,
    [user.id, newEmail],
  )
  await upsertEmailIdentity(db, user.id, newEmail)
  return 'done'
}

export async function upsertEmailIdentity(db: Db, userId: string, email: string): Promise<void> {
  const { rowCount } = await db.query(
    `UPDATE auth.identities SET identity_data = identity_data || jsonb_build_object('email', $2::text, 'email_verified', true),
       updated_at = now() WHERE user_id = $1 AND provider = 'email'`,
    [userId, email],
  )
  if (!rowCount) {
    await db.query(
      `INSERT INTO auth.identities (provider_id, user_id, identity_data, provider)
       VALUES ($1::text, $1::uuid, jsonb_build_object('sub', $1::text, 'email', $2::text, 'email_verified', true, 'phone_verified', false), 'email')`,
      [userId, email],
    )
  }
}
