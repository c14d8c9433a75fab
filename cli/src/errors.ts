// The CLI's one error type: what went wrong and how to fix it, printed as one line by main.ts.
// Commands throw it for every failure a user can act on; anything else is a defect and prints
// its message with the command's name the same way (never a stack unless PGSTACK_DEBUG is set).
export class CliError extends Error {
  override name = 'CliError'
  constructor(
    message: string,
    /** What to do about it: appended to the line. */
    readonly hint?: string,
    /** Process exit code: 1 for a failure, 2 for bad usage. */
    readonly exitCode = 1,
  ) {
    super(message)
  }
}

/** The line printed for an error: message, then the fix. */
export function errorLine(error: unknown): string {
  if (error instanceof CliError) return error.hint ? `${error.message}: ${error.hint}` : error.message
  return describeSystemError(error)
}

/** Connection failures and other system errors in words a user can act on. */
export function describeSystemError(error: unknown): string {
  const e = error as NodeJS.ErrnoException & { address?: string; port?: number }
  if (e?.code === 'ECONNREFUSED') {
    return `nothing answers at ${e.address ?? 'the database address'}${e.port ? `:${e.port}` : ''}: is PostgreSQL running, and is the URL right?`
  }
  if (e?.code === 'ENOTFOUND') return `the host ${(e as { hostname?: string }).hostname ?? ''} is not known: check the URL`
  if (e?.code === '28P01') return `${e.message}: check the user and password in the URL`
  if (e?.code === '3D000') return `${e.message}: check the database name in the URL`
  return e instanceof Error ? e.message : String(error)
}
