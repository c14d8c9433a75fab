import t from 'tap'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, loadConfig } from './config.ts'
import { DEV_JWT_SECRET_PREFIX, describeProductionSettings } from './config-production.ts'

const base = {
  DATABASE_URL: 'postgres://localhost/x',
  PGSTACK_JWT_SECRET: 'a production secret of at least 32 characters',
  PGSTACK_AUTH_SITE_URL: 'https://app.example.com',
  PGSTACK_AUTH_EXTERNAL_URL: 'https://api.example.com/auth/v1',
}

t.test("production swaps dev's auth conveniences for GoTrue's defaults", async (t) => {
  const { auth } = loadConfig(base, 'production')
  t.equal(auth.autoconfirm, false, 'sign-ups must be confirmed')
  t.equal(auth.anonymousUsers, false)
  t.same(auth.rateLimits, { signIn: 30, tokenRefresh: 150, verify: 30, otp: 30, emailSent: 30, emailInterval: 60 })
  t.equal(auth.externalUrl, base.PGSTACK_AUTH_EXTERNAL_URL)
  const dev = loadConfig(base).auth
  t.equal(dev.autoconfirm, true, 'dev keeps its conveniences')
  t.equal(dev.rateLimits.signIn, 1000)
})

t.test('an explicit setting wins in production, and the log lists only what differs from dev', async (t) => {
  const env = { ...base, PGSTACK_AUTH_AUTOCONFIRM: 'true', PGSTACK_AUTH_RATE_LIMIT_SIGN_IN: '500' }
  const { auth } = loadConfig(env, 'production')
  t.equal(auth.autoconfirm, true)
  t.equal(auth.rateLimits.signIn, 500)
  const lines = describeProductionSettings(env).join('\n')
  t.notMatch(lines, /AUTOCONFIRM|SIGN_IN/)
  t.match(lines, /PGSTACK_AUTH_RATE_LIMIT_VERIFY=30 \(dev: 1000\)/)
  t.match(lines, /PGSTACK_AUTH_EMAIL_MIN_INTERVAL=60 \(dev: 0\)/)
})

t.test('production requires the URLs mailed links need, naming each', async (t) => {
  const env: Record<string, string> = { ...base }
  delete env.PGSTACK_AUTH_SITE_URL
  delete env.PGSTACK_AUTH_EXTERNAL_URL
  t.throws(() => loadConfig(env, 'production'), ConfigError)
  t.throws(() => loadConfig(env, 'production'), { message: /PGSTACK_AUTH_SITE_URL is required in production.*PGSTACK_AUTH_EXTERNAL_URL is required in production/ })
  t.doesNotThrow(() => loadConfig(env), 'dev defaults them')
})

t.test("production refuses a short secret and the one dev generated", async (t) => {
  t.throws(() => loadConfig({ ...base, PGSTACK_JWT_SECRET: 'short' }, 'production'), { message: /PGSTACK_JWT_SECRET must be at least 32 characters/ })
  const marked = `${DEV_JWT_SECRET_PREFIX}${'k'.repeat(43)}`
  t.throws(() => loadConfig({ ...base, PGSTACK_JWT_SECRET: marked }, 'production'), { message: /the secret `npm run dev` generated/ })
  t.doesNotThrow(() => loadConfig({ ...base, PGSTACK_JWT_SECRET: marked }), 'dev takes it')

  // A project's dev secret from before the prefix existed, found in its .pgstack/secrets.json.
  const project = mkdtempSync(join(tmpdir(), 'pgstack-prod-config-'))
  t.teardown(() => rmSync(project, { recursive: true, force: true }))
  const old = 'an-old-dev-secret-without-the-prefix-0123456789'
  mkdirSync(join(project, '.pgstack'))
  writeFileSync(join(project, '.pgstack', 'secrets.json'), JSON.stringify({ jwtSecret: old }))
  const cwd = process.cwd()
  process.chdir(project)
  t.teardown(() => process.chdir(cwd))
  t.throws(() => loadConfig({ ...base, PGSTACK_JWT_SECRET: old }, 'production'), { message: /the secret `npm run dev` generated/ })
})
