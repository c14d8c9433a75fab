#!/usr/bin/env node
// The `pgstack` bin. Installed from the package, it runs the compiled CLI (dist/). In a checkout of
// the pgStack repository (src/ beside it) it runs the sources under tsx with the @pgstack/source
// condition, as `npm run dev` and `npm test` do, so the repository never needs a build for it.
// Plain JavaScript on purpose: it runs before anything is built.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const source = join(root, 'src', 'main.ts')

if (!existsSync(source)) {
  await import(pathToFileURL(join(root, 'dist', 'main.js')).href)
} else {
  const CONDITION = '--conditions=@pgstack/source'
  const nodeOptions = process.env.NODE_OPTIONS ?? ''
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), source, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_OPTIONS: nodeOptions.includes(CONDITION) ? nodeOptions : `${nodeOptions} ${CONDITION}`.trim() },
  })
  // Ctrl-C reaches both of us; the child shuts down in order and its exit code becomes ours
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
}
