#!/usr/bin/env node
// Copies what the production server runs into <dest>, after `npm run build`: the root and every
// workspace's package.json with the lockfile, each package's dist/, and scripts/start.mjs — no
// sources. `npm ci --omit=dev` in <dest> completes it. The server image's runtime stage is exactly
// this (infra/server.Dockerfile), and a test reproduces it without Docker.
// Usage: node scripts/stage-server.mjs <dest>
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const [dest] = process.argv.slice(2)
if (!dest) {
  console.error('usage: node scripts/stage-server.mjs <dest>')
  process.exit(2)
}
const out = resolve(dest)
const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
if (!existsSync(join(root, 'hub', 'dist', 'main.js'))) {
  console.error('The server is not built: run `npm run build` first.')
  process.exit(1)
}
mkdirSync(join(out, 'scripts'), { recursive: true })
for (const file of ['package.json', 'package-lock.json', 'scripts/start.mjs']) cpSync(join(root, file), join(out, file))
for (const workspace of workspaces) {
  mkdirSync(join(out, workspace), { recursive: true })
  cpSync(join(root, workspace, 'package.json'), join(out, workspace, 'package.json'))
  const dist = join(root, workspace, 'dist')
  if (existsSync(dist)) cpSync(dist, join(out, workspace, 'dist'), { recursive: true, filter: (path) => !path.endsWith('.tsbuildinfo') })
}
console.log(`Staged the server in ${out}; complete it with \`npm ci --omit=dev\` there.`)
