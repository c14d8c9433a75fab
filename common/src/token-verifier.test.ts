// The verifier decides who a request runs as: these pin its verdicts on the tokens clients send —
// HS256 (checked with one HMAC), other algorithms (through jose), tampered, expired, not-yet-valid,
// issued-in-the-future and malformed ones, keys rotated with a grace period — and that a token seen
// before is answered without a promise. (Every API's agreement on them: hub/test/token-verdicts.test.ts.)
import { createHmac, generateKeyPairSync } from 'node:crypto'
import { SignJWT, type JWTPayload } from 'jose'
import t from 'tap'
import { rejectedAsPostgrest } from './token-errors.ts'
import { TokenRejected, TokenVerifier, type TokenKeys, type VerifiedToken } from './token-verifier.ts'

const secret = 'a-test-secret-of-at-least-thirty-two-characters'
const key = new TextEncoder().encode(secret)
const now = () => Math.floor(Date.now() / 1000)

function sign(claims: JWTPayload, alg = 'HS256', header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT', ...header }).sign(key)
}

const keys = (more: Partial<TokenKeys> = {}): TokenKeys => ({ secret, ...more })

/** The verdict as REST renders it: the verified token, or PostgREST's code, message and status. */
async function outcome(auth: TokenVerifier, headers: Record<string, string>): Promise<VerifiedToken | { code: string; message: string; status: number }> {
  try {
    return await auth.authenticate(headers)
  } catch (error) {
    if (!(error instanceof TokenRejected)) throw error
    const rendered = rejectedAsPostgrest(error)
    return { code: rendered.code, message: rendered.message, status: rendered.status }
  }
}

t.test('no token runs as the anonymous role', async (t) => {
  const context = await new TokenVerifier(keys()).authenticate({})
  t.same(context, { role: 'anon', claimsJson: '{"role":"anon"}', authenticated: false, expiresAt: null })
})

t.test('a valid HS256 token gives its role and claims, from Authorization before apikey', async (t) => {
  const auth = new TokenVerifier(keys())
  const token = await sign({ role: 'authenticated', sub: 'u1', exp: now() + 60 })
  const anonKey = await sign({ role: 'anon' })
  const context = (await outcome(auth, { authorization: `Bearer ${token}`, apikey: anonKey })) as VerifiedToken
  t.equal(context.role, 'authenticated')
  t.equal(context.authenticated, true)
  t.match(JSON.parse(context.claimsJson), { role: 'authenticated', sub: 'u1', exp: Number })
  t.equal(((await outcome(auth, { apikey: anonKey })) as VerifiedToken).role, 'anon')
  t.equal(((await outcome(auth, { authorization: `  bearer   ${token} ` })) as VerifiedToken).role, 'authenticated', 'any case, any spaces')
})

t.test('a token seen before is answered synchronously, with the same context', async (t) => {
  const auth = new TokenVerifier(keys())
  const token = await sign({ role: 'authenticated', exp: now() + 60 })
  const first = await auth.authenticate({ authorization: `Bearer ${token}` })
  const second = auth.authenticate({ authorization: `Bearer ${token}` })
  t.notOk(second instanceof Promise)
  t.equal(second, first)
})

t.test('HS384 and ES256 tokens go through jose and are accepted', async (t) => {
  const hs384 = await sign({ role: 'authenticated', exp: now() + 60 }, 'HS384')
  t.equal(((await outcome(new TokenVerifier(keys()), { authorization: `Bearer ${hs384}` })) as VerifiedToken).role, 'authenticated')
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const es256 = await new SignJWT({ role: 'service_role' }).setProtectedHeader({ alg: 'ES256' }).sign(privateKey)
  const withKey = new TokenVerifier(keys({ publicKey: { alg: 'ES256', key: publicKey } }))
  t.equal(((await outcome(withKey, { authorization: `Bearer ${es256}` })) as VerifiedToken).role, 'service_role')
  t.match(await outcome(new TokenVerifier(keys()), { authorization: `Bearer ${es256}` }), { code: 'PGRST301', status: 401 })
})

t.test('bad tokens get PostgREST 401s', async (t) => {
  const auth = new TokenVerifier(keys())
  const valid = await sign({ role: 'authenticated', exp: now() + 60 })
  const [h, p, s] = valid.split('.') as [string, string, string]
  const forged = Buffer.from(JSON.stringify({ role: 'service_role', exp: now() + 60 })).toString('base64url')
  // The valid token is remembered first: a forged payload under its signature must not pass as it.
  t.equal(((await outcome(auth, { authorization: `Bearer ${valid}` })) as VerifiedToken).role, 'authenticated')
  const cases: [string, Record<string, string>, { code: string; message: string }][] = [
    ['one part', { authorization: 'Bearer abc' }, { code: 'PGRST301', message: 'Expected 3 parts in JWT; got 1' }],
    ['payload swapped', { authorization: `Bearer ${h}.${forged}.${s}` }, { code: 'PGRST301', message: 'JWT cryptographic operation failed' }],
    ['signature cut', { authorization: `Bearer ${h}.${p}.${s.slice(0, -2)}` }, { code: 'PGRST301', message: 'JWT cryptographic operation failed' }],
    ['other secret', { authorization: `Bearer ${await new SignJWT({ role: 'x' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('another-secret-of-thirty-two-chars!!'))}` }, { code: 'PGRST301', message: 'JWT cryptographic operation failed' }],
    ['alg none', { authorization: `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.` }, { code: 'PGRST301', message: 'Wrong or unsupported encoding algorithm' }],
    ['expired', { authorization: `Bearer ${await sign({ role: 'authenticated', exp: now() - 120 })}` }, { code: 'PGRST303', message: 'JWT expired' }],
    ['not yet valid', { authorization: `Bearer ${await sign({ role: 'authenticated', nbf: now() + 120 })}` }, { code: 'PGRST303', message: 'JWT not yet valid' }],
    ['issued in the future', { authorization: `Bearer ${await sign({ role: 'authenticated', iat: now() + 120 })}` }, { code: 'PGRST303', message: 'JWT issued at future' }],
    ['exp not a number', { authorization: `Bearer ${await sign({ role: 'authenticated', exp: 'soon' } as unknown as JWTPayload)}` }, { code: 'PGRST303', message: "The JWT 'exp' claim must be a number" }],
  ]
  for (const [name, headers, error] of cases) t.match(await outcome(auth, headers), { ...error, status: 401 }, name)
})

t.test('exp within the 30 s clock tolerance is still accepted, by both paths', async (t) => {
  const auth = new TokenVerifier(keys())
  for (const alg of ['HS256', 'HS512']) {
    const token = await sign({ role: 'authenticated', exp: now() - 10 }, alg)
    t.equal(((await outcome(auth, { authorization: `Bearer ${token}` })) as VerifiedToken).role, 'authenticated', alg)
  }
})

t.test('a header with crit is judged by jose, which refuses the unknown extension though the HMAC is right', async (t) => {
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', crit: ['x-ext'], 'x-ext': 1 })).toString('base64url')
  const payload = Buffer.from(JSON.stringify({ role: 'authenticated' })).toString('base64url')
  const signature = createHmac('sha256', key).update(`${header}.${payload}`).digest('base64url')
  t.match(await outcome(new TokenVerifier(keys()), { authorization: `Bearer ${header}.${payload}.${signature}` }), { code: 'PGRST301', status: 401 })
})

t.test('iat, nbf and exp within the 30 s skew pass and beyond it fail, by both paths', async (t) => {
  const auth = new TokenVerifier(keys())
  for (const alg of ['HS256', 'HS384']) {
    t.equal(((await outcome(auth, { authorization: `Bearer ${await sign({ role: 'authenticated', iat: now() + 10, nbf: now() + 10 }, alg)}` })) as VerifiedToken).role, 'authenticated', `${alg}: 10 s ahead`)
    t.match(await outcome(auth, { authorization: `Bearer ${await sign({ role: 'authenticated', exp: now() - 60 }, alg)}` }), { code: 'PGRST303', message: 'JWT expired' }, `${alg}: expired 60 s ago`)
    t.match(await outcome(auth, { authorization: `Bearer ${await sign({ role: 'authenticated', iat: now() + 60 }, alg)}` }), { code: 'PGRST303', message: 'JWT issued at future' }, `${alg}: issued 60 s ahead`)
  }
})

t.test('a rotated secret: tokens of the previous one pass until its deadline, then fail; the new one passes', async (t) => {
  const next = 'the-next-secret-of-at-least-thirty-two-characters'
  const oldToken = await sign({ role: 'authenticated', exp: now() + 3600 })
  const oldHs512 = await sign({ role: 'authenticated', exp: now() + 3600 }, 'HS512')
  const newToken = await new SignJWT({ role: 'service_role', exp: now() + 3600 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(next))
  const auth = new TokenVerifier(keys())
  t.equal(((await outcome(auth, { authorization: `Bearer ${oldToken}` })) as VerifiedToken).role, 'authenticated', 'cached under the old secret')
  t.match(await outcome(auth, { authorization: `Bearer ${newToken}` }), { code: 'PGRST301' }, 'the next secret is not accepted before the rotation')

  auth.setKeys({ secret: next, previousSecrets: [{ secret, until: new Date(Date.now() + 60_000) }] })
  t.equal(((await outcome(auth, { authorization: `Bearer ${newToken}` })) as VerifiedToken).role, 'service_role', 'new secret')
  t.equal(((await outcome(auth, { authorization: `Bearer ${oldToken}` })) as VerifiedToken).role, 'authenticated', 'old secret within the grace period (HMAC path)')
  t.equal(((await outcome(auth, { authorization: `Bearer ${oldHs512}` })) as VerifiedToken).role, 'authenticated', 'old secret within the grace period (jose path)')

  auth.setKeys({ secret: next, previousSecrets: [{ secret, until: new Date(Date.now() - 1) }] })
  t.match(await outcome(auth, { authorization: `Bearer ${oldToken}` }), { code: 'PGRST301', message: 'JWT cryptographic operation failed' }, 'past the deadline, even though it was cached before')
  t.match(await outcome(auth, { authorization: `Bearer ${oldHs512}` }), { code: 'PGRST301' }, 'past the deadline (jose path)')
  t.equal(((await outcome(auth, { authorization: `Bearer ${newToken}` })) as VerifiedToken).role, 'service_role')
})

t.test('a cached token signed with a previous secret is dropped at the deadline, without a rotation', async (t) => {
  const next = 'the-next-secret-of-at-least-thirty-two-characters'
  const oldToken = await sign({ role: 'authenticated', exp: now() + 3600 })
  const auth = new TokenVerifier({ secret: next, previousSecrets: [{ secret, until: new Date(Date.now() + 1500) }] })
  const first = auth.authenticate({ authorization: `Bearer ${oldToken}` })
  t.notOk(first instanceof Promise, 'verified by the HMAC path')
  t.notOk(auth.authenticate({ authorization: `Bearer ${oldToken}` }) instanceof Promise, 'then cached')
  await new Promise((resolve) => setTimeout(resolve, 1600))
  t.match(await outcome(auth, { authorization: `Bearer ${oldToken}` }), { code: 'PGRST301' })
})

t.test('RS256 and ES256 pass only with the configured public key and its algorithm', async (t) => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const rs256 = await new SignJWT({ role: 'authenticated' }).setProtectedHeader({ alg: 'RS256' }).sign(rsa.privateKey)
  const es256 = await new SignJWT({ role: 'authenticated' }).setProtectedHeader({ alg: 'ES256' }).sign(ec.privateKey)
  const withRsa = new TokenVerifier(keys({ publicKey: { alg: 'RS256', key: rsa.publicKey } }))
  t.equal(((await outcome(withRsa, { authorization: `Bearer ${rs256}` })) as VerifiedToken).role, 'authenticated')
  t.match(await outcome(withRsa, { authorization: `Bearer ${es256}` }), { code: 'PGRST301', message: 'Wrong or unsupported encoding algorithm' })
  t.match(await outcome(new TokenVerifier(keys()), { authorization: `Bearer ${rs256}` }), { code: 'PGRST301', message: 'Wrong or unsupported encoding algorithm' })
})
