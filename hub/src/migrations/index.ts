// Every migration the server applies at start, in order: core first, then each package's own,
// then the admin API's (it refers to auth's tables).
import { authMigrations } from '@pgstack/auth'
import { restMigrations } from '@pgstack/rest'
import { adminMigrations } from './admin.ts'
import { coreMigrations } from './core.ts'
import type { Migration } from './runner.ts'

export { applyMigrations, MigrationError, MIGRATION_LOCK_KEY, type Migration } from './runner.ts'

export function productMigrations(extra: Migration[] = []): Migration[] {
  return [...coreMigrations, ...restMigrations, ...authMigrations, ...adminMigrations, ...extra]
}
