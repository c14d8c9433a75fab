// Putting a message in auth.mail_outbox, in the caller's transaction: the mail exists exactly when
// the token it carries does.
import type { Db } from './db.ts'
import { renderMail, type MailInput } from './mail-templates.ts'

export async function enqueueMail(db: Db, recipient: string, userId: string | null, input: MailInput): Promise<void> {
  const mail = renderMail(input)
  await db.query(
    `INSERT INTO auth.mail_outbox (kind, recipient, subject, body_text, body_html, user_id) VALUES ($1, $2, $3, $4, $5, $6)`,
    [input.kind, recipient, mail.subject, mail.text, mail.html, userId],
  )
}
