// Where the Studio's package and its built single-page app are. The hub imports only this (no
// Vite). The same code runs from node/ (development) and from dist/node/ (a build), so the
// package root is found by its package.json rather than by a fixed relative path.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === '@pgstack/studio') return dir
    const parent = dirname(dir)
    if (parent === dir) throw new Error('@pgstack/studio: package.json not found above the module')
    dir = parent
  }
}

export const STUDIO_ROOT = packageRoot()
/** The built single-page app that the hub serves at /studio (Vite's output). */
export const STUDIO_APP_DIR = join(STUDIO_ROOT, 'dist', 'app')
