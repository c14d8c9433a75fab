import t from 'tap'
import { isAllowedRedirect, pickRedirect } from './redirect.ts'

const site = 'https://app.example.com'

t.test('the site origin and allow-list patterns pass; everything else falls back to the site', async (t) => {
  const cases: [string, string[], boolean][] = [
    ['https://app.example.com/welcome', [], true],
    ['https://app.example.com.evil.io/', [], false],
    ['http://app.example.com/', [], false],
    ['http://localhost:3000/cb', ['http://localhost:*/**'], true],
    ['http://localhost:3000/a/b/c', ['http://localhost:3000/*'], false],
    ['https://pr-12.preview.example.com/x', ['https://*.preview.example.com/**'], true],
    ['https://evil.com/?.preview.example.com/', ['https://*.preview.example.com/**'], false],
    ['javascript:alert(1)', ['**'], false],
    ['myapp://login-callback', ['myapp://**'], true],
    ['not a url', [], false],
  ]
  for (const [target, list, expected] of cases) t.equal(isAllowedRedirect(target, site, list), expected, `${target} with ${list.join(' ')}`)
  t.equal(pickRedirect('https://evil.com', site, []), site)
  t.equal(pickRedirect(undefined, site, []), site)
  t.equal(pickRedirect('https://app.example.com/x', site, []), 'https://app.example.com/x')
})
