// Putting a message in auth.mail_outbox, in the caller's transaction: the mail exists exactly when
// the token it carries does.
import type { Db } from './db.ts'
import { renderMail, type MailInput, type MailTemplates } from './mail-templates.ts'

/** Queues the mail; returns its outbox id. */
export async function enqueueMail(db: Db, recipient: string, userId: string | null, input: MailInput, templates?: MailTemplates): Promise<string> {
  const mail = renderMail({ ...input, email: recipient }, templates)
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO auth.mail_outbox (kind, recipient, subject, body_text, body_html, user_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [input.kind, recipient, mail.subject, mail.text, mail.html, userId],
  )
  return rows[0]!.id
}
