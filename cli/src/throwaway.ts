// A PostgreSQL of the command's own, for `gen types` without a database and for `test`: a
// throwaway cluster (built pg_reactive preloaded) in a temp dir, removed afterwards.
import { randomBytes } from 'node:crypto'
import { ensureExtensionInstalled, findPgBinaries, startThrowawayCluster, type RunningCluster } from '@pgstack/infra'
import { CliError } from './errors.ts'

export async function withThrowawayCluster<T>(progress: (line: string) => void, fn: (cluster: RunningCluster) => Promise<T>): Promise<T> {
  let bins
  try {
    bins = findPgBinaries()
  } catch (error) {
    throw new CliError(`no database given and no PostgreSQL installed to start one (${(error as Error).message})`, 'set DATABASE_URL, pass --db-url, or install PostgreSQL 15–17 (docs/installation.md)')
  }
  if (ensureExtensionInstalled(bins, progress)) progress('pg_reactive built and installed.')
  progress('Starting a throwaway PostgreSQL…')
  const throwaway = await startThrowawayCluster('pgstack-cli-', {
    superuserPassword: randomBytes(12).toString('hex'),
    preloadLibraries: ['pg_reactive'],
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', TimeZone: 'UTC' },
  })
  try {
    return await fn(throwaway.cluster)
  } finally {
    await throwaway.dispose()
  }
}
