// The auth objects the Studio shows: GoTrue's admin user, and the admin API's sessions, mail and
// audit entries (docs/admin-api.md, "Auth").
export interface AuthUser {
  id: string
  email: string
  role: string
  email_confirmed_at: string | null
  confirmation_sent_at: string | null
  last_sign_in_at: string | null
  created_at: string
  updated_at: string
  banned_until?: string
  is_anonymous: boolean
  app_metadata: Record<string, unknown>
  user_metadata: Record<string, unknown>
}

export interface AuthSession {
  id: string
  user_id: string
  email: string | null
  created_at: string
  updated_at: string | null
  refreshed_at: string | null
  not_after: string | null
  aal: string | null
  user_agent: string | null
  ip: string | null
}

export interface Mail {
  id: string
  kind: string
  recipient: string
  user_id: string | null
  subject: string
  body_text: string | null
  body_html: string | null
  created_at: string
  sent_at: string | null
  attempts: number
  last_error: string | null
}

export interface AuditEntry {
  id: string
  created_at: string
  ip_address: string | null
  action: string
  actor_id: string | null
  actor_username: string | null
  log_type: string | null
  traits: Record<string, unknown> | null
}
