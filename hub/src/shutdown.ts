// How the server process stops: the first SIGINT/SIGTERM closes the hub (its closers, in order);
// if that has not finished within the timeout, or a second signal comes, the process exits anyway
// with status 1 — a stuck client or socket must never keep a container from stopping.

export interface ShutdownOptions {
  close(): Promise<void>
  timeoutMs: number
  log(line: string): void
  exit(code: number): void
}

/** The signal handler: returns what a SIGINT/SIGTERM should call. */
export function shutdownHandler(options: ShutdownOptions): (signal: string) => void {
  let stopping = false
  return (signal) => {
    if (stopping) {
      options.log(`${signal} again: exiting without waiting`)
      options.exit(1)
      return
    }
    stopping = true
    options.log(`${signal}: stopping (at most ${options.timeoutMs} ms)`)
    const timer = setTimeout(() => {
      options.log(`still stopping after ${options.timeoutMs} ms (PGSTACK_SHUTDOWN_TIMEOUT_MS): exiting anyway`)
      options.exit(1)
    }, options.timeoutMs)
    options.close().then(
      () => {
        clearTimeout(timer)
        options.exit(0)
      },
      (error: Error) => {
        clearTimeout(timer)
        options.log(`stopped with errors: ${error.message}`)
        options.exit(1)
      },
    )
  }
}
