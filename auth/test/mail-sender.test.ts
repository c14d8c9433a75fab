import t from 'tap'
import { startFakeSmtp } from '@pgstack/infra/testing'
import { startAuthHub } from './helpers.ts'

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return true
    await new Promise((r) => setTimeout(r, 50))
  }
  return false
}

t.test('with SMTP configured the outbox is drained; failures stay in the row and are retried', async (t) => {
  const smtp = await startFakeSmtp(t)
  const hub = await startAuthHub(t, {
    PGSTACK_AUTH_AUTOCONFIRM: 'false',
    PGSTACK_AUTH_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
    PGSTACK_AUTH_SMTP_SENDER: 'Test <auth@test.example>',
  })
  t.error((await hub.client().signUp({ email: 'mia@example.com', password: 'secret-pass' })).error)
  t.ok(await until(async () => smtp.messages.length === 1), 'the message reached the SMTP server')
  t.match(smtp.messages[0], /To: mia@example\.com/)
  t.match(smtp.messages[0], /Subject: Confirm your signup/)
  t.ok(
    await until(async () => (await hub.sql<{ sent: boolean }>('SELECT sent_at IS NOT NULL AS sent FROM auth.mail_outbox'))[0]?.sent === true),
    'the row is marked sent',
  )

  smtp.refuse = true
  t.error((await hub.client().resetPasswordForEmail('mia@example.com')).error)
  t.ok(
    await until(async () => {
      const [row] = await hub.sql<{ last_error: string | null; attempts: number }>(
        "SELECT last_error, attempts FROM auth.mail_outbox WHERE kind = 'recovery'",
      )
      return !!row?.last_error && row.attempts === 1
    }),
    'the failure is recorded with its error',
  )
  const [row] = await hub.sql<{ later: boolean; sent: boolean }>(
    "SELECT next_attempt_at > now() AS later, sent_at IS NOT NULL AS sent FROM auth.mail_outbox WHERE kind = 'recovery'",
  )
  t.same(row, { later: true, sent: false }, 'and retried later, not lost')
})
