import t from 'tap'
import { jwtVerify } from 'jose'
import { signApiKeys } from './keys.ts'

t.test('API keys are HS256 JWTs with the anon and service_role roles', async (t) => {
  const secret = 's'.repeat(40)
  const keys = await signApiKeys(secret, 1_700_000_000)
  const key = new TextEncoder().encode(secret)
  const anon = await jwtVerify(keys.anonKey, key, { algorithms: ['HS256'] })
  const service = await jwtVerify(keys.serviceKey, key, { algorithms: ['HS256'] })
  t.equal(anon.payload.role, 'anon')
  t.equal(service.payload.role, 'service_role')
  t.same(await signApiKeys(secret, 1_700_000_000), keys, 'same secret and issue time, same keys')
  await t.rejects(jwtVerify(keys.anonKey, new TextEncoder().encode('t'.repeat(40))))
})
