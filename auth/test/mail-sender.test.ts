import t from 'tap'
import net from 'node:net'
import { startAuthHub } from './helpers.ts'

interface FakeSmtp {
  port: number
  messages: string[]
  /** Answer 550 to RCPT TO while true. */
  refuse: boolean
}

/** Just enough SMTP for nodemailer: no TLS, no auth. */
async function startFakeSmtp(t: { teardown(fn: () => unknown): void }): Promise<FakeSmtp> {
  const state: FakeSmtp = { port: 0, messages: [], refuse: false }
  const server = net.createServer((socket) => {
    let buffer = ''
    let inData = false
    socket.write('220 fake ESMTP\r\n')
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1')
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n')
          if (end < 0) return
          state.messages.push(buffer.slice(0, end))
          buffer = buffer.slice(end + 5)
          inData = false
          socket.write('250 queued\r\n')
          continue
        }
        const eol = buffer.indexOf('\r\n')
        if (eol < 0) return
        const line = buffer.slice(0, eol)
        buffer = buffer.slice(eol + 2)
        const verb = line.slice(0, 4).toUpperCase()
        if (verb === 'EHLO' || verb === 'HELO') socket.write('250 fake\r\n')
        else if (verb === 'MAIL') socket.write('250 ok\r\n')
        else if (verb === 'RCPT') socket.write(state.refuse ? '550 no such mailbox\r\n' : '250 ok\r\n')
        else if (verb === 'DATA') {
          inData = true
          socket.write('354 go on\r\n')
        } else if (verb === 'QUIT') {
          socket.end('221 bye\r\n')
        } else socket.write('250 ok\r\n')
      }
    })
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  state.port = (server.address() as net.AddressInfo).port
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  return state
}

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
