// One mail of the outbox as its recipient would read it: the HTML in a sandboxed frame (no scripts,
// no requests beyond the Studio's own policy), the text part, and its delivery state.
import { createSignal, Show } from 'solid-js'
import { formatDateTime } from '../lib/format.ts'
import type { Mail } from '../stores/auth-types.ts'
import { Dialog } from './dialog.tsx'

export function MailViewer(props: { mail: Mail; onClose: () => void }) {
  const [view, setView] = createSignal<'html' | 'text'>(props.mail.body_html ? 'html' : 'text')
  return (
    <Dialog title={props.mail.subject || '(no subject)'} label="Mail" wide onClose={props.onClose}>
      <dl class="kv" style={{ padding: 0 }}>
        <dt>To</dt>
        <dd>{props.mail.recipient}</dd>
        <dt>Kind</dt>
        <dd>
          <span class="badge info">{props.mail.kind}</span>
        </dd>
        <dt>Queued</dt>
        <dd>{formatDateTime(props.mail.created_at)}</dd>
        <dt>Sent</dt>
        <dd>
          <Show when={props.mail.sent_at} fallback={<span class="muted">not sent{props.mail.attempts ? ` (${props.mail.attempts} attempts)` : ' — no SMTP configured, it stays in the outbox'}</span>}>
            {formatDateTime(props.mail.sent_at)}
          </Show>
        </dd>
        <Show when={props.mail.last_error}>
          <dt>Last error</dt>
          <dd class="error-text">{props.mail.last_error}</dd>
        </Show>
      </dl>
      <div class="tabs" style={{ padding: 0, background: 'none' }} role="tablist">
        <button role="tab" aria-selected={view() === 'html'} class={`tab ${view() === 'html' ? 'active' : ''}`} disabled={!props.mail.body_html} onClick={() => setView('html')}>
          HTML
        </button>
        <button role="tab" aria-selected={view() === 'text'} class={`tab ${view() === 'text' ? 'active' : ''}`} onClick={() => setView('text')}>
          Text
        </button>
      </div>
      <Show when={view() === 'html'} fallback={<pre class="block" aria-label="Mail text">{props.mail.body_text ?? ''}</pre>}>
        <iframe class="mail-body" title="Mail HTML" sandbox="" srcdoc={props.mail.body_html ?? ''} style={{ height: '360px' }} />
      </Show>
    </Dialog>
  )
}
