// What `dev`, `start`, `test` and `gen types` do to a database before using it: pgStack's own
// migrations, the app's migrations, then the app's live queries. Migration failures throw (the
// file and statement named); live-query failures are returned, one line each, the others defined.
import { connect, withDatabase, type DatabaseTarget } from './database.ts'
import { defineLiveQueries, readLiveFiles, type DefineOutcome } from './live-definitions.ts'
import { applyAll } from './migrations/apply.ts'
import { readMigrationFiles, type MigrationFile } from './migrations/files.ts'
import type { Project } from './project.ts'

export interface ProjectApplied {
  migrations: MigrationFile[]
  live: DefineOutcome[]
}

export async function applyProject(project: Project, target: DatabaseTarget, progress: (line: string) => void): Promise<ProjectApplied> {
  // a wrong URL as one line about the URL, before the migration runner's own connection
  await (await connect(target)).end()
  const migrations = await applyAll({ url: target.url, files: readMigrationFiles(project.dir, project.migrationsDir), progress })
  const { definitions, problems } = readLiveFiles(project.dir, project.liveDir)
  const live = definitions.length ? await withDatabase(target, (client) => defineLiveQueries(client, definitions)) : []
  return { migrations, live: [...problems, ...live] }
}

/** One line per live query that was (re)defined or failed. */
export function describeLive(outcomes: DefineOutcome[]): string[] {
  return outcomes
    .filter((o) => o.action !== 'unchanged')
    .map((o) => (o.action === 'failed' ? `Live query ${o.name} not defined: ${o.error}` : `Live query ${o.name} ${o.action} (${o.path})`))
}
