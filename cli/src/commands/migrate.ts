// `pgstack migrate new <name> | up | status`: the app's versioned SQL files (migrations/).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { CliError } from '../errors.ts'
import { requireDatabase, withDatabase } from '../database.ts'
import { migrationStatus, readApplied } from '../migrations/apply.ts'
import { readMigrationFiles, timestampVersion } from '../migrations/files.ts'
import type { Output } from '../output.ts'
import type { Project } from '../project.ts'
import { applyProject, describeLive } from '../apply-project.ts'

export function migrateNew(project: Project, name: string, out: Output): string {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) {
    throw new CliError(`"${name}" cannot be a migration name`, 'use letters, digits, _ and -, e.g. add_due_date', 2)
  }
  mkdirSync(project.migrationsDir, { recursive: true })
  const existing = new Set(readMigrationFiles(project.dir, project.migrationsDir).map((f) => BigInt(f.version)))
  let version = BigInt(timestampVersion())
  while (existing.has(version)) version += 1n // two in the same second
  const file = join(project.migrationsDir, `${version}_${name}.sql`)
  if (existsSync(file)) throw new CliError(`${relative(project.dir, file)} exists already`)
  writeFileSync(file, `-- ${name}\n-- Applied once, in a transaction, by \`pgstack migrate up\` (and \`pgstack dev\`). Never edit it once applied: add a new migration.\n\n`)
  const path = relative(project.dir, file)
  out.say(`Created ${path}`)
  out.result({ path, version: version.toString(), name })
  return path
}

export async function migrateUp(project: Project, options: { dbUrl?: string }, out: Output): Promise<void> {
  const target = requireDatabase(project, options.dbUrl)
  const { migrations: applied, live } = await applyProject(project, target, out.progress)
  out.say(applied.length ? `Applied ${applied.length} migration${applied.length > 1 ? 's' : ''}.` : 'Nothing to apply: every migration is applied.')
  for (const line of describeLive(live)) out.say(line)
  out.result({ applied: applied.map((f) => ({ version: f.version, name: f.name, path: f.path })), live })
  const failed = live.filter((o) => o.action === 'failed')
  if (failed.length) throw new CliError(failed.length === 1 ? failed[0]!.error! : `${failed.length} live queries were not defined (see above)`)
}

export async function migrateStatus(project: Project, options: { dbUrl?: string }, out: Output): Promise<void> {
  const target = requireDatabase(project, options.dbUrl)
  const files = readMigrationFiles(project.dir, project.migrationsDir)
  const status = migrationStatus(files, await withDatabase(target, readApplied))
  out.result({ migrations: status })
  if (!status.length) out.say(`No migrations in ${relative(project.dir, project.migrationsDir) || '.'}/ and none applied.`)
  for (const s of status) {
    const when = s.appliedAt ? ` (applied ${s.appliedAt.toISOString()})` : ''
    const what = s.path ?? `${s.version}_${s.name}.sql — applied, but the file is gone`
    out.say(`${s.state.padEnd(8)} ${what}${s.state === 'edited' ? ' — edited after it was applied' : when}`)
  }
  const pending = status.filter((s) => s.state === 'pending').length
  if (pending) out.say(`${pending} pending: run \`pgstack migrate up\`.`)
}
