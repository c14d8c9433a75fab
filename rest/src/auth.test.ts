// The Authenticator decides who a request runs as: these pin its verdicts on the tokens clients
// send — HS256 (checked with one HMAC), other algorithms (through jose), tampered, expired,
// not-yet-valid and malformed ones — and that a token seen before is answered without a promise.
import { createHmac, generateKeyPairSync } from 'node:crypto'
import { SignJWT, type JWTPayload } from 'jose'
import t from 'tap'
import { Authenticator, type AuthContext } from './auth.ts'
import { RestError } from './errors.ts'

const secret = 'a-test-secret-of-at-least-thirty-two-characters'
const key = new TextEncoder().encode(secret)
const now = () => Math.floor(Date.now() / 1000)

function sign(claims: JWTPayload, alg = 'HS256', header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT', ...header }).sign(key)
}

async function outcome(auth: Authenticator, headers: Record<string, string>): Promise<AuthContext | { code: string; message: string; status: number }> {
  try {
    return await auth.authenticate(headers)
  } catch (error) {
    if (!(error instanceof RestError)) throw error
    return { code: error.code, message: error.message, status: error.status }
  }
}

t.test('no token runs as the anonymous role', async (t) => {
  const context = await new Authenticator(secret).authenticate({})
  t.same(context, { role: 'anon', claimsJson: '{"role":"anon"}', authenticated: false })
})

t.test('a valid HS256 token gives its role and claims, from Authorization before apikey', async (t) => {
  const auth = new Authenticator(secret)
  const token = await sign({ role: 'authenticated', sub: 'u1', exp: now() + 60 })
  const anonKey = await sign({ role: 'anon' })
  const context = (await outcome(auth, { authorization: `Bearer ${token}`, apikey: anonKey })) as AuthContext
  t.equal(context.role, 'authenticated')
  t.equal(context.authenticated, true)
  t.match(JSON.parse(context.claimsJson), { role: 'authenticated', sub: 'u1', exp: Number })
  t.equal(((await outcome(auth, { apikey: anonKey })) as AuthContext).role, 'anon')
  t.equal(((await outcome(auth, { authorization: `  bearer   ${token} ` })) as AuthContext).role, 'authenticated', 'any case, any spaces')
})

t.test('a token seen before is answered synchronously, with the same context', async (t) => {
  const auth = new Authenticator(secret)
  const token = await sign({ role: 'authenticated', exp: now() + 60 })
  const first = await auth.authenticate({ authorization: `Bearer ${token}` })
  const second = auth.authenticate({ authorization: `Bearer ${token}` })
  t.notOk(second instanceof Promise)
  t.equal(second, first)
})

t.test('HS384 and ES256 tokens go through jose and are accepted', async (t) => {
  const hs384 = await sign({ role: 'authenticated', exp: now() + 60 }, 'HS384')
  t.equal(((await outcome(new Authenticator(secret), { authorization: `Bearer ${hs384}` })) as AuthContext).role, 'authenticated')
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const es256 = await new SignJWT({ role: 'service_role' }).setProtectedHeader({ alg: 'ES256' }).sign(privateKey)
  const withKey = new Authenticator(secret, 'anon', { alg: 'ES256', key: publicKey })
  t.equal(((await outcome(withKey, { authorization: `Bearer ${es256}` })) as AuthContext).role, 'service_role')
  t.match(await outcome(new Authenticator(secret), { authorization: `Bearer ${es256}` }), { code: 'PGRST301', status: 401 })
})

t.test('bad tokens get PostgREST 401s', async (t) => {
  const auth = new Authenticator(secret)
  const valid = await sign({ role: 'authenticated', exp: now() + 60 })
  const [h, p, s] = valid.split('.') as [string, string, string]
  const forged = Buffer.from(JSON.stringify({ role: 'service_role', exp: now() + 60 })).toString('base64url')
  // The valid token is remembered first: a forged payload under its signature must not pass as it.
  t.equal(((await outcome(auth, { authorization: `Bearer ${valid}` })) as AuthContext).role, 'authenticated')
  const cases: [string, Record<string, string>, { code: string; message: string }][] = [
    ['one part', { authorization: 'Bearer abc' }, { code: 'PGRST301', message: 'Expected 3 parts in JWT; got 1' }],
    ['payload swapped', { authorization: `Bearer ${h}.${forged}.${s}` }, { code: 'PGRST301', message: 'JWT cryptographic operation failed' }],
    ['signature cut', { authorization: `Bearer ${h}.${p}.${s.slice(0, -2)}` }, { code: 'PGRST301', message: 'JWT cryptographic operation failed' }],
    ['other secret', { authorization: `Bearer ${await new SignJWT({ role: 'x' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('another-secret-of-thirty-two-chars!!'))}` }, { code: 'PGRST301', message: 'JWT cryptographic operation failed' }],
    ['alg none', { authorization: `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.` }, { code: 'PGRST301', message: 'Wrong or unsupported encoding algorithm' }],
    ['expired', { authorization: `Bearer ${await sign({ role: 'authenticated', exp: now() - 120 })}` }, { code: 'PGRST303', message: 'JWT expired' }],
    ['not yet valid', { authorization: `Bearer ${await sign({ role: 'authenticated', nbf: now() + 120 })}` }, { code: 'PGRST303', message: 'JWT not yet valid' }],
    ['exp not a number', { authorization: `Bearer ${await sign({ role: 'authenticated', exp: 'soon' } as unknown as JWTPayload)}` }, { code: 'PGRST303', message: 'JWT claims validation failed' }],
  ]
  for (const [name, headers, error] of cases) t.match(await outcome(auth, headers), { ...error, status: 401 }, name)
})

t.test('exp within the 30 s clock tolerance is still accepted, by both paths', async (t) => {
  const auth = new Authenticator(secret)
  for (const alg of ['HS256', 'HS512']) {
    const token = await sign({ role: 'authenticated', exp: now() - 10 }, alg)
    t.equal(((await outcome(auth, { authorization: `Bearer ${token}` })) as AuthContext).role, 'authenticated', alg)
  }
})

t.test('a header with crit is judged by jose, which refuses the unknown extension though the HMAC is right', async (t) => {
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', crit: ['x-ext'], 'x-ext': 1 })).toString('base64url')
  const payload = Buffer.from(JSON.stringify({ role: 'authenticated' })).toString('base64url')
  const signature = createHmac('sha256', key).update(`${header}.${payload}`).digest('base64url')
  t.match(await outcome(new Authenticator(secret), { authorization: `Bearer ${header}.${payload}.${signature}` }), { code: 'PGRST301', status: 401 })
})
