// A fake SMTP server for tests of what pgStack mails: it records every message it is given and can
// refuse recipients. Just enough SMTP for nodemailer (no TLS, no auth).
import net from 'node:net'

export interface FakeSmtp {
  port: number
  messages: string[]
  /** Answer 550 to RCPT TO while true. */
  refuse: boolean
}

/** Just enough SMTP for nodemailer: no TLS, no auth. */
export async function startFakeSmtp(t: { teardown(fn: () => unknown): void }): Promise<FakeSmtp> {
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
