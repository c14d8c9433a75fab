#!/usr/bin/env node
// Entry of `npm start` and of the server image: the compiled server (`@pgstack/hub/main` from
// dist/), no tsx at run time. In a checkout it first builds what the server runs when that build
// is missing or older than its sources; a copy without sources (the image) runs what it has.
// Plain JavaScript on purpose: it runs before any build.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')

/**
 * What the server runs, each build with the files it is made from and the file it leaves behind
 * (rewritten by every build that changes anything). `tsc -b hub/…` builds hub and the packages it
 * references (infra, rest, auth).
 */
const SERVER_BUILDS = [
  {
    name: 'the server packages',
    stamps: ['infra', 'rest', 'auth', 'hub'].map((pkg) => ({
      output: join(root, pkg, 'dist', '.tsbuildinfo'),
      inputs: [join(root, pkg, 'src'), join(root, pkg, 'package.json'), join(root, pkg, 'tsconfig.build.json')],
    })),
    shared: [join(root, 'tsconfig.base.json'), join(root, 'tsconfig.package.json')],
    command: [process.execPath, tsc, '-b', join(root, 'hub', 'tsconfig.build.json')],
    tool: tsc,
  },
]

function newestMtime(path) {
  const stat = statSync(path, { throwIfNoEntry: false })
  if (!stat) return 0
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = stat.mtimeMs
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)))
  return newest
}

/** True when a stamp is missing or older than an input; false for a copy without sources. */
function stale(build) {
  return build.stamps.some(({ output, inputs }) => {
    if (!existsSync(inputs[0])) return false
    const built = statSync(output, { throwIfNoEntry: false })?.mtimeMs ?? 0
    return Math.max(...inputs.map(newestMtime), ...build.shared.map(newestMtime)) > built
  })
}

function fail(line) {
  console.error(line)
  process.exit(1)
}

for (const build of SERVER_BUILDS) {
  if (!stale(build)) continue
  if (!existsSync(build.tool)) {
    fail(`pgStack's build of ${build.name} is missing or older than its sources, and the build tools are not installed: run \`npm ci && npm run build\`.`)
  }
  console.log(`Building ${build.name}…`)
  const result = spawnSync(build.command[0], build.command.slice(1), { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) fail(`Building ${build.name} failed (see above); \`npm run build\` shows the same errors.`)
}

// `--conditions=@pgstack/source` (what `npm run dev` and `npm test` set) would load src/*.ts here.
if (import.meta.resolve('@pgstack/hub/main').endsWith('.ts')) {
  fail('npm start runs the compiled server, but --conditions=@pgstack/source (for dev and tests) is set, e.g. in NODE_OPTIONS: unset it.')
}
await import('@pgstack/hub/main')
