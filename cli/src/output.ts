// How commands talk to the user: progress goes to stderr (so stdout stays the result a machine may
// read), results go to stdout as text or, with --json, as one JSON document.
export interface Output {
  json: boolean
  /** A progress line for a long step (stderr; silent under --json). */
  progress(line: string): void
  /** A result line for a human (stdout; nothing under --json). */
  say(line: string): void
  /** The machine-readable result (stdout, under --json only). */
  result(value: unknown): void
}

export function createOutput(options: { json?: boolean; quiet?: boolean } = {}): Output {
  const json = options.json === true
  return {
    json,
    progress: (line) => {
      if (!json && !options.quiet) process.stderr.write(`${line}\n`)
    },
    say: (line) => {
      if (!json) process.stdout.write(`${line}\n`)
    },
    result: (value) => {
      if (json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
    },
  }
}
