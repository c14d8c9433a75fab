// `pgstack init [dir]`: scaffolds an app from an empty folder (a non-empty one only with --force):
// package.json, .env with a fresh JWT secret and its keys, compose.yml, a first migration, the
// live query active_todos, a client script, a page, a live-query test and a README.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { signApiKeys } from '@pgstack/hub'
import { CliError } from '../errors.ts'
import { appFiles } from '../init-templates.ts'
import { timestampVersion } from '../migrations/files.ts'
import type { Output } from '../output.ts'
import type { Project } from '../project.ts'

const ownVersion = () =>
  (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version

/** npm's rules for a package name, applied to the folder's name. */
function packageName(dir: string): string {
  const name = basename(dir).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '')
  return name || 'pgstack-app'
}

export async function init(project: Project, dirArg: string, options: { force?: boolean }, out: Output): Promise<void> {
  const dir = resolve(project.dir, dirArg)
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new CliError(`${dir} is a file`, 'choose a folder name', 2)
    const entries = readdirSync(dir).filter((entry) => entry !== '.git')
    if (entries.length && !options.force) {
      throw new CliError(`${dir} is not empty (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''})`, 'run it in an empty folder, or pass --force to write into this one', 2)
    }
  }
  const jwtSecret = randomBytes(48).toString('base64url')
  const keys = await signApiKeys(jwtSecret, Math.floor(Date.now() / 1000))
  const files = appFiles({
    name: packageName(dir),
    jwtSecret,
    anonKey: keys.anonKey,
    serviceKey: keys.serviceKey,
    postgresPassword: randomBytes(16).toString('hex'),
    authenticatorPassword: randomBytes(16).toString('hex'),
    version: `^${ownVersion()}`,
    migrationVersion: timestampVersion(),
  })
  for (const [path, text] of Object.entries(files)) {
    const file = join(dir, path)
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, text, { mode: path === '.env' ? 0o600 : 0o644 })
  }
  const where = relative(process.cwd(), dir) || '.'
  out.result({ dir, files: Object.keys(files), anonKey: keys.anonKey, serviceKey: keys.serviceKey })
  out.say(
    [
      `Created a pgStack app in ${dir}:`,
      ...Object.keys(files).map((path) => `  ${path}`),
      '',
      'Next:',
      ...(where === '.' ? [] : [`  cd ${where}`]),
      '  npm install',
      '  npm run dev        # the stack, with your migrations and live queries applied',
      '  npm run client     # in another terminal: sign up, add a todo, see it arrive live',
    ].join('\n'),
  )
}
