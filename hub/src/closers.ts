// The hub's one teardown: everything start-up creates is pushed here as soon as it exists, and
// closed in reverse order — the same sequence whether start-up fails half-way or close() is
// called. A closer that fails does not keep the ones after it from running.

export class Closers {
  private readonly stack: Array<{ name: string; close: () => unknown }> = []
  private closing: Promise<void> | undefined

  /** Registers a teardown; it runs before everything pushed earlier. */
  push(name: string, close: () => unknown): void {
    if (this.closing) throw new Error(`cannot register ${name}: already closing`)
    this.stack.push({ name, close })
  }

  /**
   * Runs every closer, last pushed first, each awaited before the next. Rejects with an
   * AggregateError naming the ones that failed, after all have run. Calling it again returns the
   * same promise.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const failures: Error[] = []
      for (const { name, close } of this.stack.reverse()) {
        try {
          await close()
        } catch (error) {
          failures.push(new Error(`closing ${name} failed: ${(error as Error)?.message ?? String(error)}`, { cause: error }))
        }
      }
      if (failures.length) throw new AggregateError(failures, failures.map((f) => f.message).join('; '))
    })()
    return this.closing
  }

  /** Closes what was started and rethrows the error that stopped start-up. */
  async abort(error: unknown): Promise<never> {
    await this.close().catch(() => {}) // the start-up error is the one to report
    throw error
  }
}
