// Serves the built Studio (a static single-page app) at /studio: hashed files under assets/ are
// cached for good, everything else (index.html above all) is revalidated on every load, and any
// path that is not a file is the app's own route, answered with index.html. Files are read once
// per change (size and mtime) and sent precompressed when the build left .br/.gz copies.
// It never writes to the directory and never serves anything outside it.
import { createHash } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { extname, join, normalize, sep } from 'node:path'
import type { HttpHandler, HttpResponse } from './http.ts'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
}

/** Vite's content-hashed output: the name changes whenever the bytes do. */
const IMMUTABLE = 'public, max-age=31536000, immutable'
const REVALIDATE = 'no-cache'

/**
 * The page's scripts and styles come from the hub itself; it talks to the hub's own REST, auth,
 * admin and live endpoints. Inline styles are allowed for the positions Solid and uPlot set.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "frame-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ')

const SECURITY_HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
}

interface CachedFile {
  size: number
  mtimeMs: number
  etag: string
  plain: Buffer
  br: Buffer | null
  gzip: Buffer | null
}

export interface StudioOptions {
  /** The Studio's build output (index.html, assets/…). */
  dir: string
}

export function studioHandler(options: StudioOptions): HttpHandler {
  const root = normalize(options.dir + sep)
  const cache = new Map<string, CachedFile>()

  const load = (file: string): CachedFile | null => {
    let stat
    try {
      stat = statSync(file)
    } catch {
      return null
    }
    if (!stat.isFile()) return null
    const cached = cache.get(file)
    if (cached && cached.size === stat.size && cached.mtimeMs === stat.mtimeMs) return cached
    const plain = readFileSync(file)
    const sibling = (suffix: string) => {
      try {
        return readFileSync(file + suffix)
      } catch {
        return null
      }
    }
    const entry = {
      size: stat.size,
      mtimeMs: stat.mtimeMs,
      etag: `"${createHash('sha256').update(plain).digest('base64url').slice(0, 27)}"`,
      plain,
      br: sibling('.br'),
      gzip: sibling('.gz'),
    }
    cache.set(file, entry)
    return entry
  }

  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return text(405, 'The Studio only answers GET and HEAD.', { allow: 'GET, HEAD' })
    }
    let relative: string
    try {
      relative = decodeURIComponent(request.routePath.replace(/^\/+/, ''))
    } catch {
      return text(400, 'Malformed path.')
    }
    // No '..', no NUL, nothing absolute: every file served sits under the build directory.
    const target = normalize(join(root, relative))
    if (relative.includes('\0') || !target.startsWith(root)) return text(404, 'Not found.')
    if (relative.split('/').some((segment) => segment.startsWith('.'))) return text(404, 'Not found.')

    const index = join(root, 'index.html')
    const isAsset = relative.startsWith('assets/')
    let file = relative === '' ? index : target
    let found = load(file)
    if (!found) {
      // A missing hashed file is a stale page asking for an old build: a 404, not the app.
      // A path whose last segment has an extension is a missing file too.
      if (isAsset || extname(relative) !== '') return text(404, 'Not found.')
      file = index
      found = load(index)
    }
    if (!found) {
      return text(503, 'The Studio is not built. `npm run dev` builds it; or run `npm run build -w @pgstack/studio`.')
    }

    const headers: Record<string, string> = {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': file.startsWith(join(root, 'assets') + sep) ? IMMUTABLE : REVALIDATE,
      etag: found.etag,
      vary: 'Accept-Encoding',
      ...SECURITY_HEADERS,
    }
    if (ifNoneMatch(request.headers['if-none-match'], found.etag)) return { status: 304, headers }
    const accepted = request.headers['accept-encoding'] ?? ''
    let body = found.plain
    if (found.br && acceptsEncoding(accepted, 'br')) {
      body = found.br
      headers['content-encoding'] = 'br'
    } else if (found.gzip && acceptsEncoding(accepted, 'gzip')) {
      body = found.gzip
      headers['content-encoding'] = 'gzip'
    }
    return { status: 200, headers, body: request.method === 'HEAD' ? '' : body }
  }
}

function text(status: number, message: string, extra: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...extra }, body: `${message}\n` }
}

function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false
  return header.split(',').some((tag) => {
    const t = tag.trim()
    return t === '*' || t === etag || t === `W/${etag}`
  })
}

/** Whether Accept-Encoding allows `coding` (present and not `;q=0`). */
export function acceptsEncoding(header: string, coding: string): boolean {
  for (const part of header.toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';')
    if (name !== coding && name !== '*') continue
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    return q === undefined || Number(q.slice(2)) > 0
  }
  return false
}
