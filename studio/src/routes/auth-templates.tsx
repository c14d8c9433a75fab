// The auth mail templates: subject and HTML per kind, GoTrue's placeholders, and a preview with
// sample values. A kind left empty sends the built-in mail.
import { createMemo, createSignal, For, Show } from 'solid-js'

export type Templates = Record<string, { subject?: string; html?: string } | undefined>

const KINDS: Array<[string, string]> = [
  ['confirmation', 'Confirm sign-up'],
  ['recovery', 'Reset password'],
  ['magiclink', 'Magic link'],
  ['invite', 'Invite'],
  ['email_change', 'Change email'],
  ['reauthentication', 'Reauthentication code'],
]
const PLACEHOLDERS = ['{{ .ConfirmationURL }}', '{{ .Token }}', '{{ .SiteURL }}', '{{ .Email }}', '{{ .NewEmail }}']
const SAMPLE: Record<string, string> = {
  ConfirmationURL: 'https://example.com/auth/v1/verify?token=…',
  Token: '123456',
  SiteURL: 'http://localhost:3000',
  Email: 'ada@example.com',
  NewEmail: 'ada@new.example.com',
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

export function MailTemplates(props: { value: Templates; pinned: boolean; onChange: (next: Templates) => void }) {
  const [kind, setKind] = createSignal('confirmation')
  const current = () => props.value[kind()] ?? {}
  const set = (change: { subject?: string; html?: string }) => {
    const next = { ...current(), ...change }
    const copy: Templates = { ...props.value }
    if (!next.subject && !next.html) delete copy[kind()]
    else copy[kind()] = next
    props.onChange(copy)
  }
  const preview = createMemo(() => (current().html ?? '').replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_m, name: string) => escapeHtml(SAMPLE[name] ?? '')))
  return (
    <section class="card" aria-label="Mail templates">
      <header>
        <h2>Mail templates</h2>
        <span class="muted">Placeholders: {PLACEHOLDERS.join('  ')}</span>
      </header>
      <div class="tabs" role="tablist" style={{ padding: '0 14px' }}>
        <For each={KINDS}>
          {([id, title]) => (
            <button role="tab" aria-selected={kind() === id} class={`tab ${kind() === id ? 'active' : ''}`} onClick={() => setKind(id)}>
              {title}
              <Show when={props.value[id]}>
                <span class="badge info">custom</span>
              </Show>
            </button>
          )}
        </For>
      </div>
      <div class="card-body settings-grid">
        <div class="stack">
          <label class="field">
            Subject
            <input value={current().subject ?? ''} disabled={props.pinned} placeholder="built-in subject" onInput={(e) => set({ subject: e.currentTarget.value })} />
          </label>
          <label class="field">
            HTML
            <textarea rows="12" value={current().html ?? ''} disabled={props.pinned} placeholder="built-in mail" onInput={(e) => set({ html: e.currentTarget.value })} />
          </label>
        </div>
        <div class="stack">
          <span class="muted">Preview with sample values</span>
          <Show when={current().html} fallback={<div class="empty">The built-in mail is sent.</div>}>
            <iframe class="mail-body" title="Template preview" sandbox="" srcdoc={preview()} style={{ height: '290px' }} />
          </Show>
        </div>
      </div>
    </section>
  )
}
