// Password hashing: scrypt (node:crypto, no native dependency) for new passwords, stored as
// `$scrypt$ln=15,r=8,p=1$<salt>$<hash>`; bcrypt ($2a$/$2b$/$2y$) verified for users imported from
// Supabase/GoTrue and re-hashed at their next sign-in. Comparisons are constant-time.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import bcrypt from 'bcryptjs'
import type { PasswordCharacterRule } from './config.ts'
import { weakPassword } from './errors.ts'

const KEY_LENGTH = 32
const R = 8
const P = 1

function scryptAsync(password: string, salt: Buffer, logN: number): Promise<Buffer> {
  const N = 2 ** logN
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, { N, r: R, p: P, maxmem: 256 * N * R + 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    )
  })
}

export async function hashPassword(password: string, logN: number): Promise<string> {
  const salt = randomBytes(16)
  const key = await scryptAsync(password, salt, logN)
  return `$scrypt$ln=${logN},r=${R},p=${P}$${salt.toString('base64url')}$${key.toString('base64url')}`
}

const SCRYPT_FORMAT = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([\w-]+)\$([\w-]+)$/

export interface PasswordCheck {
  ok: boolean
  /** The stored hash is bcrypt or weaker scrypt than configured: store a fresh one. */
  needsRehash: boolean
}

export async function verifyPassword(password: string, stored: string | null, logN: number): Promise<PasswordCheck> {
  if (!stored) {
    // Same work as a real check, so that timing does not tell which accounts exist.
    await hashPassword(password, logN)
    return { ok: false, needsRehash: false }
  }
  const scryptMatch = SCRYPT_FORMAT.exec(stored)
  if (scryptMatch) {
    const [, ln, r, p, salt, hash] = scryptMatch
    if (Number(r) !== R || Number(p) !== P || Number(ln) > 22) return { ok: false, needsRehash: false }
    const expected = Buffer.from(hash!, 'base64url')
    const actual = await scryptAsync(password, Buffer.from(salt!, 'base64url'), Number(ln))
    const ok = expected.length === actual.length && timingSafeEqual(expected, actual)
    return { ok, needsRehash: ok && Number(ln) < logN }
  }
  if (/^\$2[aby]\$\d\d\$/.test(stored)) {
    const ok = await bcrypt.compare(password, stored)
    return { ok, needsRehash: ok }
  }
  await hashPassword(password, logN)
  return { ok: false, needsRehash: false }
}

/** Whether `hash` is a hash format this server can verify (admin import of password_hash). */
export function isSupportedHash(hash: string): boolean {
  return SCRYPT_FORMAT.test(hash) || /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)
}

const RULES: Record<PasswordCharacterRule, { reason: string; sets: RegExp[]; message: string }> = {
  letters_digits: {
    reason: 'characters',
    sets: [/[A-Za-z]/, /\d/],
    message: 'Password should contain at least one letter and one digit.',
  },
  lower_upper_letters_digits: {
    reason: 'characters',
    sets: [/[a-z]/, /[A-Z]/, /\d/],
    message: 'Password should contain at least one lower-case letter, one upper-case letter and one digit.',
  },
  lower_upper_letters_digits_symbols: {
    reason: 'characters',
    sets: [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/],
    message: 'Password should contain at least one lower-case letter, one upper-case letter, one digit and one symbol.',
  },
}

/** Throws GoTrue's 422 weak_password with its `reasons` when the password breaks a rule. */
export function checkPasswordStrength(password: string, minLength: number, rule?: PasswordCharacterRule): void {
  const reasons: string[] = []
  const messages: string[] = []
  if ([...password].length < minLength) {
    reasons.push('length')
    messages.push(`Password should be at least ${minLength} characters.`)
  }
  if (rule && !RULES[rule].sets.every((set) => set.test(password))) {
    reasons.push(RULES[rule].reason)
    messages.push(RULES[rule].message)
  }
  if (password.length > 1024) {
    reasons.push('length')
    messages.push('Password should be at most 1024 characters.')
  }
  if (reasons.length) throw weakPassword(messages.join(' '), reasons)
}
