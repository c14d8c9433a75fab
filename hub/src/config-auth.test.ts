import t from 'tap'
import { ConfigError, loadConfig } from './config.ts'

const base = { DATABASE_URL: 'postgres://localhost/x', PGSTACK_JWT_SECRET: 'x'.repeat(32) }

t.test('auth settings default to development values', async (t) => {
  const { auth } = loadConfig(base)
  t.equal(auth.autoconfirm, true)
  t.equal(auth.anonymousUsers, true)
  t.equal(auth.scryptLogN, 15)
  t.equal(auth.jwtExpiry, 3600)
  t.equal(auth.jwtSecret, base.PGSTACK_JWT_SECRET)
  t.same(auth.redirectUrls, [])
  t.equal(auth.smtpUrl, undefined)
  t.equal(auth.rateLimits.emailInterval, 0)
})

t.test('auth settings are parsed and typed', async (t) => {
  const { auth } = loadConfig({
    ...base,
    PGSTACK_AUTH_AUTOCONFIRM: 'false',
    PGSTACK_AUTH_REDIRECT_URLS: 'http://localhost:*/**, https://app.example.com/**',
    PGSTACK_AUTH_RATE_LIMIT_SIGN_IN: '30',
    PGSTACK_AUTH_PASSWORD_REQUIRED_CHARACTERS: 'letters_digits',
    PGSTACK_AUTH_SMTP_URL: 'smtps://user:pass@mail.example.com:465',
  })
  t.equal(auth.autoconfirm, false)
  t.same(auth.redirectUrls, ['http://localhost:*/**', 'https://app.example.com/**'])
  t.equal(auth.rateLimits.signIn, 30)
  t.equal(auth.passwordRequiredCharacters, 'letters_digits')
  t.equal(auth.smtpUrl, 'smtps://user:pass@mail.example.com:465')
})

t.test('a wrong auth setting stops start-up naming the variable', async (t) => {
  const cases: Record<string, string> = {
    PGSTACK_AUTH_AUTOCONFIRM: 'yes',
    PGSTACK_AUTH_SCRYPT_LOG_N: '5',
    PGSTACK_AUTH_SITE_URL: 'localhost:3000',
    PGSTACK_AUTH_SMTP_URL: 'mail.example.com',
    PGSTACK_AUTH_PASSWORD_REQUIRED_CHARACTERS: 'digits',
  }
  for (const [key, value] of Object.entries(cases)) {
    t.throws(() => loadConfig({ ...base, [key]: value }), { name: 'ConfigError', message: new RegExp(key) }, key)
  }
  t.ok(new ConfigError('x') instanceof Error)
})

t.test('authEnv holds only the auth variables the environment set (they pin their settings)', async (t) => {
  const { authEnv } = loadConfig({ ...base, PGSTACK_AUTH_PASSWORD_MIN_LENGTH: '12', PGSTACK_AUTH_AUTOCONFIRM: 'false', PORT: '9' })
  t.same(authEnv, { PGSTACK_AUTH_PASSWORD_MIN_LENGTH: 12, PGSTACK_AUTH_AUTOCONFIRM: 'false' })
})
