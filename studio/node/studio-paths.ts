// Where the Studio's package and its built static files are. The hub imports only this (no Vite).
import { fileURLToPath } from 'node:url'

export const STUDIO_ROOT = fileURLToPath(new URL('..', import.meta.url))
/** The built single-page app that the hub serves at /studio. */
export const STUDIO_DIST_DIR = fileURLToPath(new URL('../dist', import.meta.url))
