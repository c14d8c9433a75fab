// `npm test`: builds pg_reactive when needed, starts one throwaway cluster for the whole run,
// migrates a template database that each test file clones, runs every tap test file and the
// extension's pg_regress suite against that cluster, and ends with one line `N passed, M failed`.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import pg from 'pg'
import { countTap, type Counts } from './tap-counts.ts'
import { existsSync } from 'node:fs'
import { EXTENSION_SOURCE_DIR, ensureExtensionInstalled, findPgBinaries, serverOsUser } from '@pgstack/infra'
import {
  TEMPLATE_DATABASE,
  TEST_CLUSTER_ENV,
  clusterUrls,
  startTestCluster,
} from '@pgstack/infra/testing'
import { ensureChromium } from '@pgstack/infra/browser'
import { applyMigrations, productMigrations } from '@pgstack/hub'
import { ensureStudioBuilt } from '@pgstack/studio'

const root = join(import.meta.dirname, '..')
const PACKAGES = ['infra', 'common', 'hub', 'rest', 'auth', 'sdk', 'cli', 'studio', 'bench']

/** Test files under `dirs` (relative to the root), sorted; `node_modules` and dot-dirs skipped. */
function findTestFiles(dirs: string[]): string[] {
  const found: string[] = []
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue
      const full = join(dir, entry.name)
      if (entry.isDirectory()) visit(full)
      else if (/\.test\.(ts|tsx|mts)$/.test(entry.name)) found.push(relative(root, full))
    }
  }
  for (const dir of dirs) {
    try {
      if (statSync(join(root, dir)).isDirectory()) visit(join(root, dir))
    } catch {
      // package not present yet
    }
  }
  return found.sort()
}

/**
 * tap compiles its plugin set into node_modules at `tap build`; a fresh `npm ci` ships the default
 * set, with the ts-node TypeScript plugin that our config turns off (we load tsx instead).
 */
function ensureTapPlugins(): void {
  const built = join(root, 'node_modules/@tapjs/test/test-built/dist/esm/index.js')
  const signature = /export const signature = `([^`]*)`/.exec(readFileSync(built, 'utf8'))?.[1] ?? ''
  if (!signature.split('\n').includes('@tapjs/typescript')) return
  console.log('Building tap with the project\'s plugin set…')
  const result = spawnSync(join(root, 'node_modules/.bin/tap'), ['build'], { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) throw new Error('tap build failed')
}

/** Runs tap, echoing its TAP stream, and counts the stream's assertions. */
function runTap(files: string[], env: NodeJS.ProcessEnv): Promise<Counts> {
  return new Promise((resolve) => {
    const tap = spawn(join(root, 'node_modules/.bin/tap'), ['--reporter=tap', ...files], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let stream = ''
    tap.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk)
      stream += chunk.toString()
    })
    tap.on('exit', (code) => {
      const counts = countTap(stream)
      // tap itself failed (a file crashed before any assertion): never report a clean run.
      if (code !== 0 && counts.failed === 0) counts.failed = 1
      resolve(counts)
    })
  })
}

/** The extension's pg_regress and isolation tests, as its Makefile lists them. */
function regressTests(): number {
  const makefile = readFileSync(join(EXTENSION_SOURCE_DIR, 'Makefile'), 'utf8')
  const list = (name: string) => (new RegExp(`^${name}\\s*=(.*)$`, 'm').exec(makefile)?.[1] ?? '').trim().split(/\s+/).filter(Boolean).length
  return Math.max(1, list('REGRESS') + list('ISOLATION'))
}

/**
 * pg_regress through PGXS's installcheck, which starts its own temporary instance (the
 * extension's Makefile) — it needs no cluster of ours. It runs in a copy of the test files in a
 * temp dir, as the server's OS user when we are root (PostgreSQL refuses root); the copy is kept
 * when something failed, for its regression.diffs. Counts the per-test ok/FAILED lines.
 */
function runRegress(): Counts {
  const bins = findPgBinaries()
  if (!existsSync(join(bins.includedirServer, 'postgres.h'))) {
    // Never a green line for a suite that did not run: each of its tests counts as failed.
    const tests = regressTests()
    console.log(`not ok - pg_regress did not run: the PostgreSQL server headers (PGXS) are not installed here (install postgresql-server-dev-${bins.major}); its ${tests} tests count as failed.`)
    return { passed: 0, failed: tests }
  }
  ensureExtensionInstalled(bins, (line) => console.log(line))
  const dir = mkdtempSync(join(tmpdir(), 'pgstack-regress-'))
  for (const entry of readdirSync(EXTENSION_SOURCE_DIR)) {
    if (/^(Makefile|regress\.conf|sql|expected|specs)$|\.(control|sql)$/.test(entry)) cpSync(join(EXTENSION_SOURCE_DIR, entry), join(dir, entry), { recursive: true })
  }
  const user = serverOsUser()
  if (user) execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, dir])
  const make = ['make', '-C', dir, `PG_CONFIG=${bins.pgConfig}`, 'with_llvm=no', 'installcheck']
  const [file, ...args] = user ? ['runuser', '-u', user.name, '--', ...make] : make
  const result = spawnSync(file!, args, { encoding: 'utf8' })
  const output = `${result.stdout}${result.stderr}`
  process.stdout.write(output)
  const passed = (output.match(/^(ok|test) .*\.\.\. ok|^ok +\d+ /gm) ?? []).length
  const failed = (output.match(/\.\.\. FAILED|^not ok +\d+ /gm) ?? []).length
  if (result.status === 0 && failed === 0) rmSync(dir, { recursive: true, force: true })
  else console.log(`pg_regress's files are kept in ${dir}`)
  if (result.status !== 0 && failed === 0) return { passed, failed: 1 }
  return { passed, failed }
}

async function main(): Promise<void> {
  const requested = process.argv.slice(2)
  // Arguments may name test files or directories to search.
  const files = requested.length
    ? requested.flatMap((arg) => (statSync(join(root, arg), { throwIfNoEntry: false })?.isDirectory() ? findTestFiles([arg]) : [arg]))
    : findTestFiles(PACKAGES)
  // Test files that call launchBrowser() need Chromium: installed here when missing (apt-get, as
  // root); otherwise the one line saying what to install, and those tests fail rather than skip.
  if (files.some((file) => readFileSync(join(root, file), 'utf8').includes('launchBrowser('))) {
    try {
      ensureChromium((line) => console.log(line))
    } catch (error) {
      console.log((error as Error).message)
    }
  }
  // The Studio's browser tests and `dev`'s test serve its build: make it once, before tap runs
  // files in parallel (a no-op when the sources have not changed since the last build).
  if (files.some((file) => file.startsWith('studio/') || file.startsWith('cli/'))) await ensureStudioBuilt({ log: (line) => console.log(line) })
  const run = await startTestCluster((line) => console.log(line))
  // A run stopped from outside (Ctrl-C, a timeout) still takes its throwaway cluster with it; the
  // signal may arrive twice (from the terminal and forwarded by npm), so repeats are ignored.
  let interrupted = false
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted) return
      interrupted = true
      void run.dispose().finally(() => process.exit(130))
    })
  }
  const counts: Counts = { passed: 0, failed: 0 }
  try {
    const urls = clusterUrls(run.info)
    const admin = new pg.Client({ connectionString: urls.admin('postgres') })
    await admin.connect()
    await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`)
    await admin.end()
    await applyMigrations(urls.admin(TEMPLATE_DATABASE), productMigrations())

    const env = { ...process.env, [TEST_CLUSTER_ENV]: JSON.stringify(run.info) }
    if (files.length) {
      ensureTapPlugins()
      const tap = await runTap(files, env)
      counts.passed += tap.passed
      counts.failed += tap.failed
    }
    if (!requested.length) {
      const regress = runRegress()
      counts.passed += regress.passed
      counts.failed += regress.failed
    }
  } finally {
    await run.dispose()
  }
  console.log(`${counts.passed} passed, ${counts.failed} failed`)
  process.exitCode = counts.failed ? 1 : 0
}

await main()
