// Issues a one-time token and queues the mail that carries it: the step shared by sign-up,
// OTP/magic link, recovery, invite, resend and email change. generate_link uses the link only.
import type { AuthContext } from './context.ts'
import { externalUrl } from './context.ts'
import type { Db } from './db.ts'
import type { AuthRequest } from './http.ts'
import type { MailKind } from './mail-templates.ts'
import { issueToken, type IssuedToken, type TokenType } from './one-time-tokens.ts'
import { enqueueMail } from './outbox.ts'
import { createFlowState, type PkceParams } from './pkce.ts'

/** The `type` a verification link carries. */
export type VerificationType = 'signup' | 'invite' | 'magiclink' | 'recovery' | 'email_change' | 'email'

/** GoTrue's authentication methods, which also name PKCE flows and the amr entry. */
export const FLOW_METHOD: Record<VerificationType, string> = {
  signup: 'email/signup',
  invite: 'invite',
  magiclink: 'magiclink',
  recovery: 'recovery',
  email_change: 'email_change',
  email: 'magiclink',
}

const SENT_AT_COLUMN: Partial<Record<TokenType, string>> = {
  confirmation_token: 'confirmation_sent_at',
  recovery_token: 'recovery_sent_at',
  email_change_token_new: 'email_change_sent_at',
  email_change_token_current: 'email_change_sent_at',
  reauthentication_token: 'reauthentication_sent_at',
}

export interface VerificationInput {
  userId: string
  tokenType: TokenType
  linkType: VerificationType
  /** The address the code is bound to (and the mail goes to). */
  address: string
  redirectTo: string
  pkce?: PkceParams
}

export interface IssuedLink extends IssuedToken {
  link: string
}

export async function issueLink(db: Db, ctx: AuthContext, request: AuthRequest, input: VerificationInput): Promise<IssuedLink> {
  if (input.pkce) await createFlowState(db, input.userId, input.pkce, FLOW_METHOD[input.linkType])
  const token = await issueToken(db, input.userId, input.tokenType, input.address, ctx.config.otpLength, !!input.pkce)
  const column = SENT_AT_COLUMN[input.tokenType]
  if (column) await db.query(`UPDATE auth.users SET ${column} = now(), updated_at = now() WHERE id = $1`, [input.userId])
  const params = new URLSearchParams({ token: token.tokenHash, type: input.linkType, redirect_to: input.redirectTo })
  return { ...token, link: `${externalUrl(ctx, request)}/verify?${params}` }
}

export async function sendVerification(
  db: Db,
  ctx: AuthContext,
  request: AuthRequest,
  input: VerificationInput & { kind: MailKind; newEmail?: string },
): Promise<IssuedLink & { mailId: string }> {
  const issued = await issueLink(db, ctx, request, input)
  const mailId = await enqueueMail(
    db,
    input.address,
    input.userId,
    { kind: input.kind, link: issued.link, otp: issued.otp, siteUrl: ctx.config.siteUrl, newEmail: input.newEmail },
    ctx.config.mailTemplates,
  )
  return { ...issued, mailId }
}
