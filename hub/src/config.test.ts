import t from 'tap'
import { ConfigError, loadConfig } from './config.ts'

const valid = {
  DATABASE_URL: 'postgres://authenticator@localhost/postgres',
  PGSTACK_JWT_SECRET: 'x'.repeat(32),
}

t.test('defaults fill in what is not given', async (t) => {
  const config = loadConfig(valid)
  t.equal(config.port, 8080)
  t.equal(config.host, '127.0.0.1')
  t.equal(config.adminDatabaseUrl, valid.DATABASE_URL)
  t.same(config.restSchemas, ['public'])
})

t.test('values are parsed from strings', async (t) => {
  const config = loadConfig({ ...valid, PORT: '9090', PGSTACK_REST_SCHEMAS: 'public, api' })
  t.equal(config.port, 9090)
  t.same(config.restSchemas, ['public', 'api'])
})

t.test('a wrong value stops start-up with a message naming the variable', async (t) => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ ...valid, PORT: 'eighty' }, /PORT must be a TCP port .*"eighty"/],
    [{ ...valid, PORT: '70000' }, /PORT must be a TCP port/],
    [{ ...valid, PGSTACK_JWT_SECRET: 'short' }, /PGSTACK_JWT_SECRET must be at least 32 characters/],
    [{ PGSTACK_JWT_SECRET: valid.PGSTACK_JWT_SECRET }, /DATABASE_URL is required/],
    [{ ...valid, DATABASE_URL: 'mysql://x' }, /DATABASE_URL must be a postgres:\/\/ URL/],
  ]
  for (const [env, message] of cases) {
    t.throws(() => loadConfig(env), ConfigError)
    t.throws(() => loadConfig(env), { message }, JSON.stringify(env))
  }
})
