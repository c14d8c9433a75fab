#!/usr/bin/env node
// Entry of `npm start` and of the server image: the compiled server (`@pgstack/hub/main` from
// dist/), no tsx at run time. In a checkout it first builds what the server runs when that build
// is missing or older than its sources — hub's tsc project and every one it references, then the
// Studio's static app; a copy without sources (the image) runs what it has.
// Plain JavaScript on purpose: it runs before any build.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
const HUB_PROJECT = join(root, 'hub', 'tsconfig.build.json')
const SHARED = [join(root, 'tsconfig.base.json'), join(root, 'tsconfig.package.json')]

function fail(line) {
  console.error(line)
  process.exit(1)
}

function newestMtime(path) {
  const stat = statSync(path, { throwIfNoEntry: false })
  if (!stat) return 0
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = stat.mtimeMs
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)))
  return newest
}

/**
 * Whether `project` (a tsconfig.build.json) or one it references has sources newer than its
 * build info, which tsc rewrites on every build that changes anything.
 */
function tscStale(project, seen = new Set()) {
  if (seen.has(project)) return false
  seen.add(project)
  const dir = dirname(project)
  let config
  try {
    config = JSON.parse(readFileSync(project, 'utf8'))
  } catch {
    return true // unreadable here: let tsc judge
  }
  const built = statSync(join(dir, config.compilerOptions.tsBuildInfoFile), { throwIfNoEntry: false })?.mtimeMs ?? 0
  const inputs = [...config.include.map((path) => join(dir, path)), join(dir, 'package.json'), project, ...SHARED]
  if (Math.max(...inputs.map(newestMtime)) > built) return true
  return (config.references ?? []).some((reference) => tscStale(join(dir, reference.path), seen))
}

function build(what, command, args) {
  console.log(`Building ${what}…`)
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) fail(`Building ${what} failed (see above); \`npm run build\` shows the same errors.`)
}

const missingTools = (what) =>
  `pgStack's build of ${what} is missing or older than its sources, and the build tools are not installed: run \`npm ci && npm run build\`.`

let entry
try {
  entry = import.meta.resolve('@pgstack/hub/main')
} catch {
  fail("pgStack's dependencies are not installed: run `npm ci` (then `npm start` again).")
}
// `--conditions=@pgstack/source` (what `npm run dev` and `npm test` set) would load src/*.ts here.
if (entry.endsWith('.ts')) {
  fail('npm start runs the compiled server, but --conditions=@pgstack/source (for dev and tests) is set, e.g. in NODE_OPTIONS: unset it.')
}

// A checkout (the sources are here): build what is stale. The image has no sources.
if (existsSync(HUB_PROJECT)) {
  if (tscStale(HUB_PROJECT)) {
    if (!existsSync(tsc)) fail(missingTools('the server packages'))
    build('the server packages', process.execPath, [tsc, '-b', HUB_PROJECT])
  }
  if (existsSync(join(root, 'studio', 'src'))) {
    const studio = await import('@pgstack/studio')
    if (!studio.studioBuildCurrent()) {
      if (!existsSync(join(root, 'node_modules', 'vite'))) fail(missingTools('the Studio'))
      await studio.ensureStudioBuilt({ log: (line) => console.log(line) })
    }
  }
}

if (!existsSync(fileURLToPath(entry))) fail(`pgStack's server is not built (${fileURLToPath(entry)} is missing): run \`npm run build\`.`)
await import('@pgstack/hub/main')
