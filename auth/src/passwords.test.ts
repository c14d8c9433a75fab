import t from 'tap'
import bcrypt from 'bcryptjs'
import type { ApiError } from '@pgstack/common'
import { checkPasswordStrength, hashPassword, isSupportedHash, verifyPassword } from './passwords.ts'

t.test('scrypt hashes verify, carry their cost, and ask for a rehash when the cost rose', async (t) => {
  const hash = await hashPassword('correct horse', 10)
  t.match(hash, /^\$scrypt\$ln=10,r=8,p=1\$[\w-]{22}\$[\w-]{43}$/)
  t.not(await hashPassword('correct horse', 10), hash, 'salted')
  t.same(await verifyPassword('correct horse', hash, 10), { ok: true, needsRehash: false })
  t.same(await verifyPassword('wrong horse', hash, 10), { ok: false, needsRehash: false })
  t.same(await verifyPassword('correct horse', hash, 11), { ok: true, needsRehash: true })
})

t.test('bcrypt $2a$/$2b$ hashes verify and always ask for a rehash', async (t) => {
  const b = bcrypt.hashSync('imported', 4)
  const a = b.replace(/^\$2b\$/, '$2a$')
  t.same(await verifyPassword('imported', a, 10), { ok: true, needsRehash: true })
  t.same(await verifyPassword('imported', b, 10), { ok: true, needsRehash: true })
  t.same(await verifyPassword('other', a, 10), { ok: false, needsRehash: false })
  t.ok(isSupportedHash(a))
  t.notOk(isSupportedHash('$1$md5crypt'))
})

t.test('no hash or an unknown format never verifies', async (t) => {
  t.same(await verifyPassword('x', null, 10), { ok: false, needsRehash: false })
  t.same(await verifyPassword('x', 'plaintext', 10), { ok: false, needsRehash: false })
  t.same(await verifyPassword('x', '$scrypt$ln=40,r=8,p=1$AAAA$BBBB', 10), { ok: false, needsRehash: false }, 'absurd costs refused')
})

t.test('strength rules give GoTrue reasons', async (t) => {
  t.doesNotThrow(() => checkPasswordStrength('abcdef', 6))
  const error = t.throws(() => checkPasswordStrength('abc', 6, 'lower_upper_letters_digits')) as ApiError
  t.equal(error.status, 422)
  t.equal(error.code, 'weak_password')
  t.same(error.details, ['length', 'characters'])
  t.doesNotThrow(() => checkPasswordStrength('Abcdef1!', 8, 'lower_upper_letters_digits_symbols'))
  t.throws(() => checkPasswordStrength('Abcdef12', 8, 'lower_upper_letters_digits_symbols'))
  t.throws(() => checkPasswordStrength('ab', 2 + 1), 'code points, not bytes')
  t.doesNotThrow(() => checkPasswordStrength('ééé', 3))
})
