// `pgstack test [files…] [--update]`: live-query tests (docs/live-tests.md). One template
// database gets pgStack's and the app's migrations and live queries; each file runs in a copy of
// it, dropped afterwards. TAP on stdout, a diff for each failure, exit 1 when any failed.
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { applyProject } from '../apply-project.ts'
import { withDatabase, type DatabaseTarget } from '../database.ts'
import { CliError } from '../errors.ts'
import { fromJsonText } from '../live-test/exact-json.ts'
import { FormatError, parseLiveTest, recordObserved, type LiveTest } from '../live-test/format.ts'
import { runLiveTest } from '../live-test/run.ts'
import { TapWriter } from '../live-test/tap.ts'
import type { Output } from '../output.ts'
import type { Project } from '../project.ts'
import { withThrowawayCluster } from '../throwaway.ts'

function findTestFiles(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((entry) => entry.endsWith('.live.yaml') || entry.endsWith('.live.yml'))
    .map((entry) => join(dir, entry))
    .sort()
}

function databaseUrl(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${encodeURIComponent(database)}`
  return u.toString()
}

export async function test(project: Project, args: string[], options: { update?: boolean; dbUrl?: string }, out: Output): Promise<void> {
  const files = args.length ? args.map((file) => resolve(process.cwd(), file)) : findTestFiles(project.testsDir)
  if (!files.length) throw new CliError(`no test files: none given and no *.live.yaml under ${relative(process.cwd(), project.testsDir) || '.'}/`, 'write one (docs/live-tests.md) or name the files')
  // every file read before any database starts: a malformed one is one line, at once
  const tests = files.map((file) => {
    const name = relative(project.dir, file)
    if (!existsSync(file) || !statSync(file).isFile()) throw new CliError(`${file} is not a file`, undefined, 2)
    try {
      return { file, name, test: parseLiveTest(readFileSync(file, 'utf8')) }
    } catch (error) {
      if (!(error instanceof FormatError)) throw error
      throw new CliError(`${name} is not a valid test file: ${error.message}`, 'see docs/live-tests.md for the format', 2)
    }
  })
  // never DATABASE_URL or dev's cluster by default: test databases go only where asked
  const target = options.dbUrl ? { url: options.dbUrl, source: '--db-url' } : null
  const failed = target ? await runAll(project, target, tests, options, out) : await withThrowawayCluster(out.progress, (cluster) => runAll(project, { url: cluster.adminUrl(), source: 'a throwaway PostgreSQL' }, tests, options, out))
  if (failed) throw new CliError(`${failed} check${failed > 1 ? 's' : ''} failed`)
}

interface TestFile {
  file: string
  name: string
  test: LiveTest
}

async function runAll(project: Project, server: DatabaseTarget, tests: TestFile[], options: { update?: boolean }, out: Output): Promise<number> {
  const run = `pgstack_test_${randomBytes(4).toString('hex')}`
  const template = `${run}_template`
  const admin = (sql: string) => withDatabase(server, (client) => client.query(sql))
  await admin(`CREATE DATABASE ${template}`)
  const tap = new TapWriter((line) => process.stdout.write(`${line}\n`))
  try {
    const templateTarget = { url: databaseUrl(server.url, template), source: 'the test template' }
    const applied = await applyProject(project, templateTarget, out.progress)
    const broken = applied.live.filter((o) => o.action === 'failed')
    for (const b of broken) tap.comment(`live query ${b.name} is not defined: ${b.error}`)
    for (const [i, { file, name, test: parsed }] of tests.entries()) {
      const database = `${run}_${i + 1}`
      await admin(`CREATE DATABASE ${database} TEMPLATE ${template}`)
      await admin(`ALTER DATABASE ${database} SET timezone TO 'UTC'`)
      try {
        tap.comment(name)
        const result = await runLiveTest(databaseUrl(server.url, database), parsed)
        if (options.update && result.checks.every((c) => !c.error)) {
          writeFileSync(
            file,
            recordObserved(parsed, {
              rows: fromJsonText(result.observed.rows),
              steps: result.observed.steps.map((s) => ({ rows: fromJsonText(s.rows), deltas: fromJsonText(s.deltas) })),
            }),
          )
          tap.comment(`updated ${name} with what was observed`)
          for (const check of result.checks) tap.point(name, { ...check, ok: true })
        } else {
          for (const check of result.checks) tap.point(name, check)
        }
      } finally {
        await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => {})
      }
    }
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`).catch(() => {})
    tap.end()
  }
  return tap.failed
}

