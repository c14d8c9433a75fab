// The messages auth sends, each with the link (GoTrue's ConfirmationURL) and the code, in text and
// HTML. Plain functions of plain data; nothing here touches the database.

export type MailKind = 'confirmation' | 'recovery' | 'magiclink' | 'invite' | 'email_change' | 'reauthentication'

export interface MailInput {
  kind: MailKind
  /** The link the user follows (/verify?token=…&type=…&redirect_to=…). */
  link: string
  otp: string
  siteUrl: string
  newEmail?: string
}

export interface RenderedMail {
  subject: string
  text: string
  html: string
}

const COPY: Record<MailKind, { subject: string; lead: string; action: string }> = {
  confirmation: { subject: 'Confirm your signup', lead: 'Follow this link to confirm your account:', action: 'Confirm your email' },
  recovery: { subject: 'Reset your password', lead: 'Follow this link to reset the password for your account:', action: 'Reset password' },
  magiclink: { subject: 'Your magic link', lead: 'Follow this link to sign in:', action: 'Sign in' },
  invite: { subject: 'You have been invited', lead: 'You have been invited to create an account. Follow this link to accept:', action: 'Accept the invite' },
  email_change: { subject: 'Confirm your email change', lead: 'Follow this link to confirm the change of your email address:', action: 'Change email' },
  reauthentication: { subject: 'Confirm reauthentication', lead: 'Enter the code below to confirm it is you.', action: '' },
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

export function renderMail(input: MailInput): RenderedMail {
  const copy = COPY[input.kind]
  const change = input.newEmail ? ` New address: ${input.newEmail}.` : ''
  // A reauthentication mail has a code only: it must be typed where the user is signed in.
  const linkText = input.kind === 'reauthentication' ? '' : `${input.link}\n\n`
  const linkHtml = input.kind === 'reauthentication' ? '' : `<p><a href="${escapeHtml(input.link)}">${escapeHtml(copy.action)}</a></p>\n`
  const text = `${copy.lead}${change}\n\n${linkText}Or enter this code: ${input.otp}\n`
  const html =
    `<h2>${escapeHtml(copy.subject)}</h2>\n<p>${escapeHtml(copy.lead + change)}</p>\n` +
    linkHtml +
    `<p>Or enter this code: <strong>${escapeHtml(input.otp)}</strong></p>\n`
  return { subject: copy.subject, text, html }
}
