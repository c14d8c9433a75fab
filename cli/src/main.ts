// The pgstack command line: one commander program, each command's work in commands/. Every
// failure ends as one line on stderr ("pgstack <command>: what — how to fix it") and a non-zero
// exit code: 1 for a failure, 2 for bad usage.
import { readFileSync } from 'node:fs'
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { CliError, errorLine } from './errors.ts'
import { createOutput, type Output } from './output.ts'
import { loadProject, type Project } from './project.ts'

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }

type Action = (project: Project, out: Output) => Promise<unknown> | unknown

/** Runs a command's work with the project of --cwd and --json's output; errors become one line. */
function action(command: Command, fn: Action): Promise<void> {
  const options = command.optsWithGlobals<{ json?: boolean; cwd?: string }>()
  const name = commandPath(command)
  return (async () => {
    try {
      const out = createOutput({ json: options.json })
      await fn(loadProject(options.cwd), out)
    } catch (error) {
      if (process.env.PGSTACK_DEBUG && error instanceof Error) console.error(error.stack)
      console.error(`${name}: ${errorLine(error)}`)
      process.exitCode = error instanceof CliError ? error.exitCode : 1
    }
  })()
}

function commandPath(command: Command): string {
  const names: string[] = []
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name())
  return names.join(' ')
}

const int = (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('it must be a whole number.')
  return Number(value)
}

export function buildProgram(): Command {
  const program = new Command('pgstack')
    .description('pgStack: PostgreSQL, live queries, REST and auth in one process — scaffold, run, migrate, type and test an app.')
    .version(version, '-v, --version', 'print the version')
    .option('-C, --cwd <dir>', 'run in this app folder instead of the current one')
    .showSuggestionAfterError()
    .configureOutput({
      // one line: commander puts its suggestion on a line of its own
      outputError: (text, write) => write(`${text.replace(/^error: /, 'pgstack: ').replace(/\n\(Did you mean (.*)\)/, ' (did you mean $1)').trimEnd()}\n`),
    })
    .exitOverride((error: CommanderError) => {
      // --help and --version end with 0; usage errors (one line already printed) with 2
      process.exit(error.exitCode === 0 ? 0 : 2)
    })

  program
    .command('init')
    .description('scaffold an app in an empty folder: package.json, compose.yml, .env with fresh keys, a first migration, a live query, a client')
    .argument('[dir]', 'the folder to create the app in', '.')
    .option('--force', 'write into a folder that is not empty (existing files of the same name are replaced)')
    .option('--json', 'print what was written as JSON')
    .action(async (dir: string, _opts, command: Command) =>
      action(command, async (project, out) => (await import('./commands/init.ts')).init(project, dir, command.opts(), out)),
    )

  program
    .command('dev')
    .description('run the whole stack for this folder on an embedded PostgreSQL; applies migrations/ and live/ at start and whenever they change')
    .action(async (_opts, command: Command) => action(command, async (project) => (await import('./commands/dev.ts')).dev(project)))

  program
    .command('start')
    .description('production: the compiled server against DATABASE_URL (a PostgreSQL with pg_reactive), after applying migrations/ and live/')
    .option('--skip-migrations', 'do not apply migrations/ and live/ first')
    .action(async (_opts, command: Command) =>
      action(command, async (project, out) => (await import('./commands/start.ts')).start(project, command.opts(), out)),
    )

  const migrate = program.command('migrate').description('versioned SQL migrations in migrations/')
  const dbUrl = () => new Option('--db-url <url>', 'database to use (default: DATABASE_URL, or the running `pgstack dev`)')
  migrate
    .command('new')
    .description('create migrations/<timestamp>_<name>.sql')
    .argument('<name>', 'what the migration does, e.g. add_due_date')
    .option('--json', 'print the new file as JSON')
    .action(async (name: string, _opts, command: Command) =>
      action(command, async (project, out) => (await import('./commands/migrate.ts')).migrateNew(project, name, out)),
    )
  migrate
    .command('up')
    .description('apply pending migrations in order (each in a transaction, under a lock), then define live/*.sql')
    .addOption(dbUrl())
    .option('--json', 'print what was applied as JSON')
    .action(async (_opts, command: Command) =>
      action(command, async (project, out) => (await import('./commands/migrate.ts')).migrateUp(project, command.opts(), out)),
    )
  migrate
    .command('status')
    .description('list migrations: applied, pending, edited after applying, or applied but gone')
    .addOption(dbUrl())
    .option('--json', 'print the list as JSON')
    .action(async (_opts, command: Command) =>
      action(command, async (project, out) => (await import('./commands/migrate.ts')).migrateStatus(project, command.opts(), out)),
    )

  const gen = program.command('gen').description('generate code from the database')
  gen
    .command('types')
    .description("TypeScript types of the database (Supabase's Database shape) and of the named live queries, read from the catalog")
    .option('--schema <name...>', 'schemas to include', ['public'])
    .option('--out <file>', 'write to this file instead of stdout')
    .addOption(new Option('--db-url <url>', 'database to read (default: DATABASE_URL, the running `pgstack dev`, or a throwaway one with migrations/ applied)'))
    .action(async (_opts, command: Command) =>
      action(command, async (project, out) => (await import('./commands/gen-types.ts')).genTypes(project, command.opts(), out)),
    )

  program
    .command('keys')
    .description('show the anon and service keys of the current JWT secret; --rotate makes a new secret, the old one accepted for a grace period')
    .option('--rotate', 'generate a new secret (every hub of the database takes it at once)')
    .option('--grace <seconds>', 'how long tokens of the old secret stay valid after --rotate', int, 86_400)
    .addOption(dbUrl())
    .option('--json', 'print the keys as JSON')
    .action(async (_opts, command: Command) =>
      action(command, async (project, out) => (await import('./commands/keys.ts')).keys(project, command.opts(), out)),
    )

  program
    .command('replay')
    .description("a live query's delta history from the delta log, step by step with the rows after each; --verify checks it against a fresh SELECT")
    .argument('<live-query>', 'the name of a defined live query')
    .option('--params <json>', 'its parameters, a JSON array (default: every feed of the query)')
    .option('--role <role>', 'only the feeds of this role')
    .option('--claims <json>', 'only the feeds with these JWT claims (a JSON object)')
    .option('--feed <id>', 'only this feed', int)
    .option('--from <seq>', 'first sequence number to show', int)
    .option('--to <seq>', 'last sequence number to show', int)
    .option('--follow', 'keep printing new deltas as they are logged (Ctrl-C stops)')
    .option('--verify', 'rebuild the rows from the snapshot plus every delta and compare them with a fresh SELECT; exit 1 on a difference')
    .addOption(dbUrl())
    .option('--json', 'print JSON (one document per line with --follow)')
    .action(async (name: string, _opts, command: Command) =>
      action(command, async (project, out) => (await import('./commands/replay.ts')).replay(project, name, command.opts(), out)),
    )

  program
    .command('test')
    .description('run live-query tests (tests/**/*.live.yaml) in throwaway databases; TAP output')
    .argument('[files...]', 'test files (default: every *.live.yaml under tests/)')
    .option('--update', 'write the rows and deltas observed into the files (snapshot testing)')
    .addOption(dbUrl())
    .action(async (files: string[], _opts, command: Command) =>
      action(command, async (project, out) => (await import('./commands/test.ts')).test(project, files, command.opts(), out)),
    )

  return program
}

await buildProgram().parseAsync(process.argv)
