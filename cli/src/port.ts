// Whether the server's address is free, asked before anything slow starts, so that "port in use"
// is the first line a user sees rather than the last one after migrations.
import { createServer } from 'node:net'
import { CliError } from './errors.ts'

export async function ensurePortFree(host: string, port: number): Promise<void> {
  if (port === 0) return
  await new Promise<void>((resolve, reject) => {
    const server = createServer()
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new CliError(`port ${port} on ${host} is in use`, 'stop what listens there, or set PORT to another port'))
      else if (error.code === 'EADDRNOTAVAIL') reject(new CliError(`${host} is not an address of this machine`, 'set HOST to one of its addresses (0.0.0.0 for all)'))
      else if (error.code === 'EACCES') reject(new CliError(`port ${port} needs privileges to listen on`, 'set PORT to 1024 or above'))
      else reject(error)
    })
    server.listen(port, host, () => server.close(() => resolve()))
  })
}

/** The server's PORT and HOST as the hub reads them (8080 on 127.0.0.1 by default), checked free. */
export async function ensureServerPortFree(env: Record<string, string | undefined>): Promise<void> {
  const port = env.PORT === undefined || env.PORT === '' ? 8080 : Number(env.PORT)
  // a PORT that is not a port is the configuration's error to report, in its own words
  if (Number.isInteger(port)) await ensurePortFree(env.HOST || '127.0.0.1', port)
}
