// The messages auth sends, each with the link (GoTrue's ConfirmationURL) and the code, in text and
// HTML: the built-in ones, or the project's templates (GoTrue's placeholders) where it set one.
// Plain functions of plain data; nothing here touches the database.

export const MAIL_KINDS = ['confirmation', 'recovery', 'magiclink', 'invite', 'email_change', 'reauthentication'] as const
export type MailKind = (typeof MAIL_KINDS)[number]

/** A project's own mail for one kind: `{{ .ConfirmationURL }}`-style placeholders, as GoTrue's. */
export interface MailTemplate {
  subject: string
  html: string
}

export type MailTemplates = Partial<Record<MailKind, MailTemplate>>

export const PLACEHOLDERS = ['ConfirmationURL', 'Token', 'SiteURL', 'Email', 'NewEmail'] as const

export interface MailInput {
  kind: MailKind
  /** The link the user follows (/verify?token=…&type=…&redirect_to=…). */
  link: string
  otp: string
  siteUrl: string
  /** The recipient. */
  email?: string
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

const PLACEHOLDER = /\{\{\s*\.(\w+)\s*\}\}/g

/** Why `value` is not a valid set of templates, or null. */
export function checkMailTemplates(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'must be an object keyed by mail kind'
  for (const [kind, template] of Object.entries(value)) {
    if (!(MAIL_KINDS as readonly string[]).includes(kind)) return `has an unknown mail kind ${JSON.stringify(kind)} (kinds: ${MAIL_KINDS.join(', ')})`
    const t = template as Record<string, unknown> | null
    if (t === null || typeof t !== 'object' || typeof t.subject !== 'string' || typeof t.html !== 'string' || t.subject.trim() === '' || t.html.trim() === '') {
      return `.${kind} must be {"subject": <non-empty string>, "html": <non-empty string>}`
    }
    if (Object.keys(t).some((key) => key !== 'subject' && key !== 'html')) return `.${kind} may only have "subject" and "html"`
    for (const text of [t.subject, t.html]) {
      for (const [, name] of text.matchAll(PLACEHOLDER)) {
        if (!(PLACEHOLDERS as readonly string[]).includes(name!)) return `.${kind} uses an unknown placeholder {{ .${name} }} (known: ${PLACEHOLDERS.join(', ')})`
      }
    }
  }
  return null
}

/** The text part of a templated mail: the HTML's text, links written out. */
export function htmlToText(html: string): string {
  return html
    .replace(/<a\s[^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, (_, href: string, label: string) => `${label.replace(/<[^>]*>/g, '')} (${href})`)
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|h[1-6]|li|tr)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!)
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
    .concat('\n')
}

function renderTemplate(template: MailTemplate, input: MailInput): RenderedMail {
  const values: Record<string, string> = {
    ConfirmationURL: input.link,
    Token: input.otp,
    SiteURL: input.siteUrl,
    Email: input.email ?? '',
    NewEmail: input.newEmail ?? '',
  }
  const fill = (text: string, escape: boolean) => text.replace(PLACEHOLDER, (whole, name: string) => {
    const value = values[name]
    if (value === undefined) return whole
    return escape ? escapeHtml(value) : value
  })
  const html = fill(template.html, true)
  return { subject: fill(template.subject, false), text: htmlToText(html), html }
}

export function renderMail(input: MailInput, templates: MailTemplates = {}): RenderedMail {
  const template = templates[input.kind]
  if (template) return renderTemplate(template, input)
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
