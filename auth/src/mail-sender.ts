// Drains auth.mail_outbox over SMTP (nodemailer) when PGSTACK_AUTH_SMTP_URL is set: claims a batch
// with FOR UPDATE SKIP LOCKED (several processes may run), sends, records success or the error and
// a retry time with backoff. Failures are logged and kept in the row, never silent. Owns its timer
// and transport and stops both in stop().
import type pg from 'pg'
import nodemailer from 'nodemailer'
import { inTransaction } from './db.ts'

export interface MailSender {
  wake(): void
  stop(): Promise<void>
}

interface OutboxRow {
  id: string
  recipient: string
  subject: string
  body_text: string
  body_html: string
  attempts: number
}

const BATCH = 20
const POLL_MS = 5_000
const MAX_ATTEMPTS = 8

export function startMailSender(pool: pg.Pool, smtpUrl: string | undefined, sender: string, log: (line: string) => void): MailSender {
  if (!smtpUrl) return { wake() {}, async stop() {} }
  const transport = nodemailer.createTransport(smtpUrl)
  let stopped = false
  let running: Promise<void> | undefined
  let again = false
  let timer: NodeJS.Timeout | undefined

  const drainOnce = async (): Promise<number> =>
    inTransaction(pool, async (db) => {
      const { rows } = await db.query<OutboxRow>(
        `SELECT id, recipient, subject, body_text, body_html, attempts FROM auth.mail_outbox
         WHERE sent_at IS NULL AND next_attempt_at <= now() AND attempts < $1
         ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [MAX_ATTEMPTS, BATCH],
      )
      for (const row of rows) {
        try {
          await transport.sendMail({ from: sender, to: row.recipient, subject: row.subject, text: row.body_text, html: row.body_html })
          await db.query('UPDATE auth.mail_outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1', [row.id])
        } catch (error) {
          const message = (error as Error).message
          log(`auth: sending mail ${row.id} to ${row.recipient} failed (attempt ${row.attempts + 1}): ${message}`)
          await db.query(
            `UPDATE auth.mail_outbox SET attempts = attempts + 1, last_error = $2,
               next_attempt_at = now() + make_interval(secs => least(3600, 15 * power(2, attempts))) WHERE id = $1`,
            [row.id, message.slice(0, 1000)],
          )
        }
      }
      return rows.length
    })

  const run = () => {
    if (stopped) return
    if (running) {
      again = true
      return
    }
    running = (async () => {
      try {
        do {
          again = false
          while (!stopped && (await drainOnce()) === BATCH) {
            // a full batch: there may be more rows waiting
          }
        } while (again && !stopped)
      } catch (error) {
        log(`auth: mail sender failed: ${(error as Error).message}`)
      } finally {
        running = undefined
      }
    })()
  }

  timer = setInterval(run, POLL_MS)
  timer.unref()
  run()
  return {
    wake: run,
    async stop() {
      stopped = true
      clearInterval(timer)
      timer = undefined
      await running
      transport.close()
    },
  }
}

/**
 * Sends one message now over `smtpUrl` (the admin API's SMTP test) and records it in the outbox
 * as kind `test`, sent or with the server's error (never retried). Resolves with the server's
 * answer; rejects with its error.
 */
export async function sendTestMail(pool: pg.Pool, smtpUrl: string, sender: string, to: string): Promise<string> {
  const transport = nodemailer.createTransport(smtpUrl)
  const subject = 'pgStack SMTP test'
  const text = `This is a test message from pgStack, sent to ${to} with the SMTP settings of your project.\n`
  const html = `<p>This is a test message from pgStack, sent with the SMTP settings of your project.</p>\n`
  try {
    const info = await transport.sendMail({ from: sender, to, subject, text, html })
    await inTransaction(pool, (db) =>
      db.query(`INSERT INTO auth.mail_outbox (kind, recipient, subject, body_text, body_html, attempts, sent_at) VALUES ('test', $1, $2, $3, $4, 1, now())`, [to, subject, text, html]),
    )
    return String(info.response ?? '')
  } catch (error) {
    await inTransaction(pool, (db) =>
      db.query(
        `INSERT INTO auth.mail_outbox (kind, recipient, subject, body_text, body_html, attempts, last_error, next_attempt_at) VALUES ('test', $1, $2, $3, $4, 1, $5, 'infinity')`,
        [to, subject, text, html, (error as Error).message.slice(0, 1000)],
      ),
    )
    throw error
  } finally {
    transport.close()
  }
}
