// One-time tokens (confirmation, recovery, magic link, email change), GoTrue's way: the mail holds
// a numeric code and a link carrying sha224(address + code); only the hash is stored, so both the
// code (with its address) and the link resolve to the same row. PKCE flows prefix the hash `pkce_`.
import { createHash, randomInt } from 'node:crypto'
import type { Db } from './db.ts'

export type TokenType =
  | 'confirmation_token'
  | 'recovery_token'
  | 'email_change_token_new'
  | 'email_change_token_current'
  | 'reauthentication_token'

export interface IssuedToken {
  /** The numeric code the user may type. */
  otp: string
  /** What links carry as `token` (and generate_link returns as hashed_token). */
  tokenHash: string
}

export function otpHash(address: string, otp: string): string {
  return createHash('sha224').update(address.toLowerCase() + otp).digest('hex')
}

export function newOtp(length: number): string {
  let otp = ''
  for (let i = 0; i < length; i++) otp += String(randomInt(10))
  return otp
}

/** Replaces the user's token of this type (one live token per type, as GoTrue keeps). */
export async function issueToken(
  db: Db,
  userId: string,
  type: TokenType,
  address: string,
  otpLength: number,
  pkce = false,
): Promise<IssuedToken> {
  const otp = newOtp(otpLength)
  const tokenHash = (pkce ? 'pkce_' : '') + otpHash(address, otp)
  await db.query(
    `INSERT INTO auth.one_time_tokens (user_id, token_type, token_hash, relates_to) VALUES ($1, $2, $3, $4)
     ON CONFLICT (user_id, token_type) DO UPDATE
       SET token_hash = excluded.token_hash, relates_to = excluded.relates_to, created_at = now(), updated_at = now()`,
    [userId, type, tokenHash, address.toLowerCase()],
  )
  return { otp, tokenHash }
}

export interface FoundToken {
  id: string
  user_id: string
  token_type: TokenType
  token_hash: string
  relates_to: string
  expired: boolean
}

/** Looks a token up by its hash among `types`, locking it; consumption deletes it. */
export async function findTokenByHash(db: Db, tokenHash: string, types: TokenType[], expirySeconds: number): Promise<FoundToken | undefined> {
  const { rows } = await db.query<FoundToken>(
    `SELECT id, user_id, token_type, token_hash, relates_to, created_at < now() - make_interval(secs => $3) AS expired
     FROM auth.one_time_tokens WHERE token_hash = $1 AND token_type = ANY($2) FOR UPDATE`,
    [tokenHash, types, expirySeconds],
  )
  return rows[0]
}

/** The code a user typed, with the address it was sent to; tries the PKCE form too. */
export async function findTokenByOtp(db: Db, address: string, otp: string, types: TokenType[], expirySeconds: number): Promise<FoundToken | undefined> {
  const hash = otpHash(address, otp)
  return (await findTokenByHash(db, hash, types, expirySeconds)) ?? findTokenByHash(db, `pkce_${hash}`, types, expirySeconds)
}

export async function consumeToken(db: Db, id: string): Promise<void> {
  await db.query('DELETE FROM auth.one_time_tokens WHERE id = $1', [id])
}
