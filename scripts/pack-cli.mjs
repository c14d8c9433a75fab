#!/usr/bin/env node
// Packs @pgstack/cli as an installable tarball: `pgstack` with the compiled server inside. The
// server packages (hub, rest, auth, common, infra, studio) are private workspaces, so they travel
// as bundled dependencies (package.json and dist/ each, like scripts/stage-server.mjs stages them),
// with pg_reactive's source in infra (dev builds it; the app's compose.yml builds its image from
// it); their registry dependencies become the CLI's own, installed beside it.
// Usage: node scripts/pack-cli.mjs [dest]   (runs `npm run build` first; prints the tarball's path)
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dest = resolve(process.argv[2] ?? process.cwd())
const BUNDLED = ['common', 'infra', 'rest', 'auth', 'studio', 'hub']
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'))

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] })
  if (result.status !== 0) {
    console.error(`\`${command} ${args.join(' ')}\` failed (see above).`)
    process.exit(1)
  }
}

run('npm', ['run', 'build', '--silent'], root)
const stage = mkdtempSync(join(tmpdir(), 'pgstack-cli-pack-'))
try {
  const cli = readJson(join(root, 'cli', 'package.json'))
  for (const entry of ['bin', 'dist', 'docker']) cpSync(join(root, 'cli', entry), join(stage, entry), { recursive: true, filter: (path) => !path.endsWith('.tsbuildinfo') })
  cpSync(join(root, 'infra', 'postgres', 'init-authenticator.sh'), join(stage, 'docker', 'init-authenticator.sh'))
  cpSync(join(root, 'README.md'), join(stage, 'README.md'))
  const dependencies = {}
  for (const name of BUNDLED) {
    const from = join(root, name)
    const to = join(stage, 'node_modules', '@pgstack', name)
    mkdirSync(to, { recursive: true })
    const manifest = readJson(join(from, 'package.json'))
    delete manifest.devDependencies
    delete manifest.scripts
    if (name === 'infra') manifest.files = [...manifest.files, 'pg_reactive']
    writeFileSync(join(to, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
    if (!existsSync(join(from, 'dist'))) throw new Error(`${name}/dist is missing after the build`)
    cpSync(join(from, 'dist'), join(to, 'dist'), { recursive: true, filter: (path) => !path.endsWith('.tsbuildinfo') })
    for (const [dep, range] of Object.entries(manifest.dependencies ?? {})) if (!dep.startsWith('@pgstack/')) dependencies[dep] = range
  }
  // the extension's source, where infra's EXTENSION_SOURCE_DIR looks in an installed copy
  cpSync(join(root, 'ext', 'pg_reactive'), join(stage, 'node_modules', '@pgstack', 'infra', 'pg_reactive'), {
    recursive: true,
    filter: (path) => !/\.(o|so|bc)$|\/(results|log)(\/|$)|regression\.(diffs|out)$/.test(path),
  })
  for (const [dep, range] of Object.entries(cli.dependencies)) if (!dep.startsWith('@pgstack/')) dependencies[dep] = range
  const bundled = Object.fromEntries(BUNDLED.map((name) => [`@pgstack/${name}`, readJson(join(root, name, 'package.json')).version]))
  const manifest = {
    name: cli.name,
    version: cli.version,
    description: cli.description,
    type: cli.type,
    engines: cli.engines,
    bin: cli.bin,
    exports: cli.exports,
    files: ['bin', 'dist', 'docker', '!dist/.tsbuildinfo'],
    dependencies: { ...bundled, ...Object.fromEntries(Object.entries(dependencies).sort()) },
    bundleDependencies: Object.keys(bundled),
  }
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  mkdirSync(dest, { recursive: true })
  const packed = spawnSync('npm', ['pack', '--json', '--pack-destination', dest], { cwd: stage, encoding: 'utf8' })
  if (packed.status !== 0) {
    console.error(packed.stderr)
    process.exit(1)
  }
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[')))
  console.log(join(dest, info.filename))
} finally {
  rmSync(stage, { recursive: true, force: true })
}
