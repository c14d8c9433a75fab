// Builds the Studio's static files with Vite when its sources changed since the last build, for
// `npm run dev` and the browser tests. It owns studio/dist: a build goes to a fresh directory that
// replaces dist in one rename, so a running hub never serves half a build. It must not be
// imported by the hub at run time (it loads Vite); the hub only needs STUDIO_APP_DIR.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { promisify } from 'node:util'
import { brotliCompress, constants, gzip } from 'node:zlib'
import { STUDIO_APP_DIR, STUDIO_ROOT } from './studio-paths.ts'

const STAMP_FILE = '.source-stamp'
const LOCK_DIR = join(STUDIO_ROOT, '.build-lock')
const SOURCES = ['src', 'public', 'index.html', 'vite.config.ts', 'package.json']
const COMPRESSIBLE = /\.(js|css|html|svg|json|txt|map)$/

function listFiles(path: string): string[] {
  if (!existsSync(path)) return []
  if (!statSync(path).isDirectory()) return [path]
  return readdirSync(path, { withFileTypes: true })
    .filter((entry) => !entry.name.startsWith('.'))
    .flatMap((entry) => listFiles(join(path, entry.name)))
}

/** The source folders of the workspace packages the Studio bundles (e.g. @pgstack/sdk). */
function workspaceSources(names: string[]): string[] {
  const found: string[] = []
  for (const name of names.filter((n) => n.startsWith('@pgstack/'))) {
    for (let dir = STUDIO_ROOT; ; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', name)
      if (existsSync(candidate)) {
        found.push(join(realpathSync(candidate), 'src'))
        break
      }
      if (dirname(dir) === dir) break
    }
  }
  return found
}

/**
 * What the build depends on: every source file's bytes (the Studio's and those of the workspace
 * packages it bundles) and the installed versions of its other dependencies (a `npm install` of a
 * new Vite or Solid rebuilds too). Not the lockfile as a whole: colleagues change it for unrelated
 * packages all the time.
 */
export function studioSourceStamp(): string {
  const hash = createHash('sha256')
  const manifest = JSON.parse(readFileSync(join(STUDIO_ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>
  const dependencies = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }).sort()
  const files = [...SOURCES.map((source) => join(STUDIO_ROOT, source)), ...workspaceSources(dependencies)].flatMap((path) => listFiles(path))
  for (const file of files.sort()) {
    hash.update(relative(STUDIO_ROOT, file)).update('\0').update(readFileSync(file)).update('\0')
  }
  const require = createRequire(join(STUDIO_ROOT, 'package.json'))
  for (const name of dependencies.filter((n) => !n.startsWith('@pgstack/'))) {
    let version = 'missing'
    try {
      version = (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version
    } catch {
      // packages without an exported package.json: their range in our manifest is in the hash already
    }
    hash.update(`${name}@${version}\0`)
  }
  return hash.digest('hex')
}

/** Whether studio/dist holds a build of the current sources. */
export function studioBuildCurrent(stamp = studioSourceStamp()): boolean {
  try {
    return readFileSync(join(STUDIO_APP_DIR, STAMP_FILE), 'utf8') === stamp
  } catch {
    return false
  }
}

export interface EnsureStudioOptions {
  log?: (line: string) => void
}

/**
 * Builds the Studio unless dist already holds the current sources' build. Concurrent callers (two
 * test files, a test and `npm run dev`) wait for one build instead of racing. Returns whether it
 * built.
 */
export async function ensureStudioBuilt(options: EnsureStudioOptions = {}): Promise<boolean> {
  const stamp = studioSourceStamp()
  if (studioBuildCurrent(stamp)) return false
  await takeLock()
  try {
    if (studioBuildCurrent(stamp)) return false
    options.log?.('Building the Studio (its sources changed)…')
    const started = Date.now()
    await buildStudio(stamp)
    options.log?.(`Studio built in ${((Date.now() - started) / 1000).toFixed(1)} s.`)
    return true
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true })
  }
}

async function buildStudio(stamp: string): Promise<void> {
  const staging = `${STUDIO_APP_DIR}.building-${process.pid}`
  rmSync(staging, { recursive: true, force: true })
  const { build } = await import('vite')
  // Vite sets NODE_ENV=production in the process that calls it when it is unset; that process is
  // `npm test`'s (every test file would then get React's production build) or dev's: put it back.
  const nodeEnv = process.env.NODE_ENV
  try {
    await build({
      root: STUDIO_ROOT,
      configFile: join(STUDIO_ROOT, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: staging, emptyOutDir: true },
    })
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV
    else process.env.NODE_ENV = nodeEnv
  }
  await precompress(staging)
  writeFileSync(join(staging, STAMP_FILE), stamp)
  const previous = `${STUDIO_APP_DIR}.previous-${process.pid}`
  if (existsSync(STUDIO_APP_DIR)) renameSync(STUDIO_APP_DIR, previous)
  renameSync(staging, STUDIO_APP_DIR)
  rmSync(previous, { recursive: true, force: true })
}

/** Brotli and gzip copies beside each text file, so the hub serves compressed files without work. */
async function precompress(dir: string): Promise<void> {
  const br = promisify(brotliCompress)
  const gz = promisify(gzip)
  for (const file of listFiles(dir).filter((f) => COMPRESSIBLE.test(f))) {
    const bytes = readFileSync(file)
    if (bytes.length < 512) continue
    const brotli = await br(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } })
    writeFileSync(`${file}.br`, brotli)
    writeFileSync(`${file}.gz`, await gz(bytes, { level: 9 }))
  }
}

/** A directory as a lock: mkdir is atomic. A lock older than ten minutes is a crashed build's. */
async function takeLock(): Promise<void> {
  for (;;) {
    try {
      mkdirSync(LOCK_DIR)
      return
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      try {
        if (Date.now() - statSync(LOCK_DIR).mtimeMs > 10 * 60_000) rmSync(LOCK_DIR, { recursive: true, force: true })
      } catch {
        // released meanwhile
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
}
