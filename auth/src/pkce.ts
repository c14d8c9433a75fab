// PKCE (RFC 7636) flow state: a flow started with a code challenge ends with an auth code that
// /token?grant_type=pkce exchanges for a session, given the matching verifier.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto'
import type { Db } from './db.ts'
import { badRequest, forbidden, notFound } from './errors.ts'

export interface PkceParams {
  codeChallenge: string
  method: 's256' | 'plain'
}

const FLOW_LIFETIME_SECONDS = 300

/** Reads code_challenge(_method) from a request body; undefined when the flow is implicit. */
export function readPkceParams(body: Record<string, unknown>): PkceParams | undefined {
  const challenge = body.code_challenge
  const method = body.code_challenge_method
  if (challenge === undefined || challenge === null || challenge === '') {
    if (method) throw badRequest('validation_failed', 'PKCE flow requires code_challenge_method and code_challenge')
    return undefined
  }
  if (typeof challenge !== 'string' || typeof method !== 'string') {
    throw badRequest('validation_failed', 'PKCE flow requires code_challenge_method and code_challenge')
  }
  const normalized = method.toLowerCase()
  if (normalized !== 's256' && normalized !== 'plain') {
    throw badRequest('validation_failed', `code challenge method not supported: ${method}`)
  }
  if (challenge.length < 43 || challenge.length > 128) {
    throw badRequest('validation_failed', 'code challenge has to be between 43 and 128 characters')
  }
  return { codeChallenge: challenge, method: normalized }
}

export async function createFlowState(db: Db, userId: string, params: PkceParams, authenticationMethod: string): Promise<string> {
  const authCode = randomUUID()
  await db.query(
    `INSERT INTO auth.flow_state (user_id, auth_code, code_challenge_method, code_challenge, provider_type, authentication_method)
     VALUES ($1, $2, $3, $4, 'email', $5)`,
    [userId, authCode, params.method, params.codeChallenge, authenticationMethod],
  )
  return authCode
}

/** The auth code of the user's latest flow for this method, marked as issued now. */
export async function issueAuthCode(db: Db, userId: string, authenticationMethod: string): Promise<string | undefined> {
  const { rows } = await db.query<{ auth_code: string }>(
    `UPDATE auth.flow_state SET auth_code_issued_at = now(), updated_at = now()
     WHERE id = (SELECT id FROM auth.flow_state WHERE user_id = $1 AND authentication_method = $2
                 ORDER BY created_at DESC LIMIT 1)
     RETURNING auth_code`,
    [userId, authenticationMethod],
  )
  return rows[0]?.auth_code
}

export interface ExchangedFlow {
  userId: string
  authenticationMethod: string
}

/** Checks the verifier against the flow's challenge and consumes the flow. */
export async function exchangeAuthCode(db: Db, authCode: string, verifier: string): Promise<ExchangedFlow> {
  const { rows } = await db.query<{
    id: string
    user_id: string | null
    code_challenge: string
    code_challenge_method: 's256' | 'plain'
    authentication_method: string
    expired: boolean
  }>(
    `DELETE FROM auth.flow_state WHERE auth_code = $1
     RETURNING id, user_id, code_challenge, code_challenge_method, authentication_method,
       coalesce(auth_code_issued_at, created_at) < now() - make_interval(secs => $2) AS expired`,
    [authCode, FLOW_LIFETIME_SECONDS],
  )
  const flow = rows[0]
  if (!flow || !flow.user_id) throw notFound('flow_state_not_found', 'invalid flow state, no valid flow state found')
  if (flow.expired) throw badRequest('flow_state_expired', 'invalid flow state, flow state has expired')
  const computed =
    flow.code_challenge_method === 's256' ? createHash('sha256').update(verifier).digest('base64url') : verifier
  const a = Buffer.from(computed)
  const b = Buffer.from(flow.code_challenge)
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw forbidden('bad_code_verifier', 'code challenge does not match previously saved code verifier')
  }
  return { userId: flow.user_id, authenticationMethod: flow.authentication_method }
}
