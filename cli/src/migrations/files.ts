// The app's migration files: migrations/<version>_<name>.sql, applied in version order. A version
// is digits (`pgstack migrate new` writes a UTC timestamp, YYYYMMDDHHMMSS); the checksum is of the
// file's bytes, so any edit after it was applied is noticed.
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { CliError } from '../errors.ts'

export interface MigrationFile {
  version: string
  name: string
  /** Path relative to the project, for messages. */
  path: string
  sql: string
  checksum: string
}

const FILE = /^(\d+)_([A-Za-z0-9_-]+)\.sql$/

export const checksumOf = (sql: string) => createHash('sha256').update(sql, 'utf8').digest('hex')

export function readMigrationFiles(projectDir: string, dir: string): MigrationFile[] {
  if (!existsSync(dir)) return []
  const files: MigrationFile[] = []
  for (const entry of readdirSync(dir).sort()) {
    if (!entry.endsWith('.sql')) continue
    const match = FILE.exec(entry)
    if (!match) {
      throw new CliError(`${relative(projectDir, join(dir, entry))} is not named <version>_<name>.sql`, 'rename it, e.g. 20261206120000_create_todos.sql')
    }
    const sql = readFileSync(join(dir, entry), 'utf8')
    files.push({ version: match[1]!, name: match[2]!, path: relative(projectDir, join(dir, entry)), sql, checksum: checksumOf(sql) })
  }
  files.sort((a, b) => compareVersions(a.version, b.version))
  for (let i = 1; i < files.length; i++) {
    if (compareVersions(files[i - 1]!.version, files[i]!.version) === 0) {
      throw new CliError(`${files[i - 1]!.path} and ${files[i]!.path} have the same version`, 'give one of them another version')
    }
  }
  return files
}

/** Numeric order of digit strings of any length (0002 = 2). */
export function compareVersions(a: string, b: string): number {
  const x = BigInt(a)
  const y = BigInt(b)
  return x < y ? -1 : x > y ? 1 : 0
}

/** A UTC timestamp version, YYYYMMDDHHMMSS. */
export function timestampVersion(date = new Date()): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14)
}
