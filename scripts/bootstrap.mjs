#!/usr/bin/env node
// Entry of `npm run dev` and `npm test` on a fresh clone: installs the npm dependencies when they
// are missing or stale (npm ci), then runs the command from source: under tsx, with the
// `@pgstack/source` export condition in NODE_OPTIONS so that every process below (tap, test files,
// the children they spawn) imports the workspace packages' src/ instead of their built dist/.
// Plain JavaScript on purpose: nothing else is installed yet when it starts.
import { spawnSync, spawn } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const [command, ...args] = process.argv.slice(2)
const entries = { dev: ['cli/src/main.ts', 'dev'], test: ['scripts/test.ts'] }

if (!entries[command]) {
  console.error(`usage: node scripts/bootstrap.mjs ${Object.keys(entries).join('|')} [args]`)
  process.exit(2)
}
const major = Number(process.versions.node.split('.')[0])
if (major < 20) {
  console.error(`pgStack needs Node.js 20 or newer; this is ${process.version}.`)
  process.exit(1)
}

function dependenciesStale() {
  const marker = join(root, 'node_modules', '.package-lock.json')
  if (!existsSync(marker)) return true
  return statSync(join(root, 'package-lock.json')).mtimeMs > statSync(marker).mtimeMs
}

if (dependenciesStale()) {
  console.log('Installing npm dependencies (npm ci)…')
  const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' })
  if (npm.status !== 0) {
    console.error('npm ci failed; see the output above.')
    process.exit(npm.status ?? 1)
  }
}

const [entry, ...entryArgs] = entries[command]
const SOURCE_CONDITION = '--conditions=@pgstack/source'
const nodeOptions = process.env.NODE_OPTIONS ?? ''
const child = spawn(process.execPath, ['--import', 'tsx', join(root, entry), ...entryArgs, ...args], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    NODE_OPTIONS: nodeOptions.includes(SOURCE_CONDITION) ? nodeOptions : `${nodeOptions} ${SOURCE_CONDITION}`.trim(),
  },
})
// Pass stop signals on and wait for the child to shut down in order (it tolerates a repeat,
// since Ctrl-C in a terminal reaches both of us).
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
