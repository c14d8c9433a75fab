import t from 'tap'
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { HttpRequest } from './http.ts'
import { acceptsEncoding, studioHandler } from './studio.ts'

function build(t: { teardown(fn: () => unknown): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'studio-static-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  mkdirSync(join(dir, 'assets'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Studio</title><script src="/studio/assets/index-abc123.js"></script>')
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log("studio")')
  writeFileSync(join(dir, 'assets', 'index-abc123.js.gz'), gzipSync('console.log("studio")'))
  writeFileSync(join(dir, 'favicon.svg'), '<svg/>')
  writeFileSync(join(dir, '.source-stamp'), 'secret-ish')
  return dir
}

function get(routePath: string, headers: Record<string, string> = {}, method = 'GET'): HttpRequest {
  return { method, path: `/studio${routePath}`, routePath, query: '', headers, body: Buffer.alloc(0), remoteAddress: '' }
}

t.test('index.html is revalidated on every load; hashed assets are cached for good', async (t) => {
  const serve = studioHandler({ dir: build(t) })
  for (const path of ['', '/']) {
    const res = await serve(get(path))
    t.equal(res.status, 200, path)
    t.equal(res.headers!['cache-control'], 'no-cache', path)
    t.match(res.headers!['content-type'], /^text\/html/)
    t.match(String(res.body), /<title>Studio<\/title>/)
  }
  const asset = await serve(get('/assets/index-abc123.js'))
  t.equal(asset.headers!['cache-control'], 'public, max-age=31536000, immutable')
  t.match(asset.headers!['content-type'], /^text\/javascript/)
  const icon = await serve(get('/favicon.svg'))
  t.equal(icon.headers!['cache-control'], 'no-cache', 'unhashed files are revalidated')
})

t.test('a path of the app itself is answered with index.html; a missing file is a 404', async (t) => {
  const serve = studioHandler({ dir: build(t) })
  const route = await serve(get('/tables/public/todos'))
  t.equal(route.status, 200)
  t.equal(route.headers!['cache-control'], 'no-cache')
  t.match(String(route.body), /<title>Studio/)
  t.equal((await serve(get('/assets/index-old999.js'))).status, 404, 'an old build’s asset is not the app')
  t.equal((await serve(get('/robots.txt'))).status, 404)
})

t.test('nothing outside the build is served, nor its dot files', async (t) => {
  const dir = build(t)
  writeFileSync(join(dir, '..', 'outside.txt'), 'no')
  t.teardown(() => rmSync(join(dir, '..', 'outside.txt'), { force: true }))
  const serve = studioHandler({ dir })
  for (const path of ['/../outside.txt', '/..%2foutside.txt', '/%2e%2e/outside.txt', '/.source-stamp', '/assets/%00x.js', '/%E0%A4%A']) {
    const res = await serve(get(path))
    t.ok(res.status === 404 || res.status === 400, `${path} → ${res.status}`)
    t.notMatch(String(res.body), /^no$|secret-ish/)
  }
})

t.test('ETag revalidation answers 304; a rebuilt file gets a new ETag', async (t) => {
  const dir = build(t)
  const serve = studioHandler({ dir })
  const first = await serve(get('/'))
  const etag = first.headers!.etag!
  t.equal((await serve(get('/', { 'if-none-match': etag }))).status, 304)
  t.equal((await serve(get('/', { 'if-none-match': `W/${etag}` }))).status, 304)
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Studio v2</title>')
  utimesSync(join(dir, 'index.html'), new Date(), new Date(Date.now() + 5000))
  const second = await serve(get('/', { 'if-none-match': etag }))
  t.equal(second.status, 200)
  t.not(second.headers!.etag, etag)
  t.match(String(second.body), /v2/)
})

t.test('a precompressed copy is sent only to clients that accept it', async (t) => {
  const serve = studioHandler({ dir: build(t) })
  const gz = await serve(get('/assets/index-abc123.js', { 'accept-encoding': 'gzip, deflate' }))
  t.equal(gz.headers!['content-encoding'], 'gzip')
  t.equal(gz.headers!.vary, 'Accept-Encoding')
  const plain = await serve(get('/assets/index-abc123.js', { 'accept-encoding': 'gzip;q=0, identity' }))
  t.equal(plain.headers!['content-encoding'], undefined)
  t.equal(String(plain.body), 'console.log("studio")')
  const br = await serve(get('/assets/index-abc123.js', { 'accept-encoding': 'br' }))
  t.equal(br.headers!['content-encoding'], undefined, 'no .br copy: plain')
  t.ok(acceptsEncoding('gzip;q=0.5, br', 'br'))
  t.notOk(acceptsEncoding('br;q=0', 'br'))
  t.ok(acceptsEncoding('*', 'gzip'))
})

t.test('the page is locked down: CSP, no framing, no sniffing', async (t) => {
  const res = await studioHandler({ dir: build(t) })(get('/'))
  t.match(res.headers!['content-security-policy'], /default-src 'self'/)
  t.match(res.headers!['content-security-policy'], /frame-ancestors 'none'/)
  t.equal(res.headers!['x-content-type-options'], 'nosniff')
})

t.test('without a build the Studio says how to make one; other methods are refused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-empty-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const serve = studioHandler({ dir })
  const res = await serve(get('/'))
  t.equal(res.status, 503)
  t.match(String(res.body), /npm run dev/)
  const post = await serve(get('/', {}, 'POST'))
  t.equal(post.status, 405)
  t.equal(post.headers!.allow, 'GET, HEAD')
})
