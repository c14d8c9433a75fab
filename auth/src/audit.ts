// Audit rows in GoTrue's format (auth.audit_log_entries.payload): who did what to whom.
import type { Db } from './db.ts'
import type { UserRow } from './users.ts'

export type AuditAction =
  | 'login'
  | 'logout'
  | 'token_refreshed'
  | 'token_revoked'
  | 'user_signedup'
  | 'user_confirmation_requested'
  | 'user_recovery_requested'
  | 'user_modified'
  | 'user_updated_password'
  | 'user_invited'
  | 'user_deleted'
  | 'user_reauthenticate_requested'
  | 'user_repeated_signup'

const LOG_TYPES: Record<AuditAction, string> = {
  login: 'account',
  logout: 'account',
  token_refreshed: 'token',
  token_revoked: 'token',
  user_signedup: 'team',
  user_confirmation_requested: 'user',
  user_recovery_requested: 'user',
  user_modified: 'user',
  user_updated_password: 'user',
  user_invited: 'team',
  user_deleted: 'team',
  user_reauthenticate_requested: 'user',
  user_repeated_signup: 'user',
}

export interface Actor {
  id: string
  username: string
  name?: string
}

export function actorOf(user: Pick<UserRow, 'id' | 'email' | 'phone'>): Actor {
  return { id: user.id, username: user.email || user.phone || '' }
}

export const SERVICE_ACTOR: Actor = { id: '00000000-0000-0000-0000-000000000000', username: 'service_role' }

/** The payload column's JSON, for callers that insert it as part of a larger statement. */
export function auditPayload(actor: Actor, action: AuditAction, traits: Record<string, unknown> = {}): string {
  return JSON.stringify({ actor_id: actor.id, actor_username: actor.username, action, log_type: LOG_TYPES[action], traits })
}

export async function audit(
  db: Db,
  ip: string,
  actor: Actor,
  action: AuditAction,
  traits: Record<string, unknown> = {},
): Promise<void> {
  await db.query(`INSERT INTO auth.audit_log_entries (payload, ip_address) VALUES ($1, $2)`, [
    auditPayload(actor, action, traits),
    ip.slice(0, 64),
  ])
}
