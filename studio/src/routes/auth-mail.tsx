// The mail outbox: every mail auth has sent or would have sent (confirmation, magic link, reset…),
// newest first, filtered by recipient or kind, each readable as its recipient would see it.
import { createSignal, For, Show } from 'solid-js'
import { ErrorBox } from '../components/error-box.tsx'
import { Icon } from '../components/icons.tsx'
import { MailViewer } from '../components/mail-viewer.tsx'
import { PageHead } from '../components/shell.tsx'
import { formatAgo, formatDateTime } from '../lib/format.ts'
import { useShortcuts } from '../lib/keyboard.ts'
import { apiResource } from '../lib/resource.ts'
import { api } from '../lib/session.ts'
import type { Mail } from '../stores/auth-types.ts'

const KINDS = ['confirmation', 'recovery', 'magiclink', 'invite', 'email_change', 'reauthentication', 'test']
const LIMIT = 50

export default function AuthMail() {
  const [recipient, setRecipient] = createSignal('')
  const [kind, setKind] = createSignal('')
  const [pages, setPages] = createSignal<string[]>([]) // 'before' cursors of the pages loaded after the first
  const [reading, setReading] = createSignal<Mail | null>(null)
  const [version, setVersion] = createSignal(0)
  let input!: HTMLInputElement

  const mail = apiResource(
    () => ({ recipient: recipient().trim(), kind: kind(), pages: pages(), version: version() }),
    async (q) => {
      const all: Mail[] = []
      let hasMore = false
      for (const before of [undefined, ...q.pages]) {
        const result = await api.get<{ mail: Mail[]; has_more: boolean }>('/admin/v1/auth/mail', { query: { recipient: q.recipient || undefined, kind: q.kind || undefined, limit: LIMIT, before } })
        if (result.error) return result
        all.push(...result.data.mail)
        hasMore = result.data.has_more
      }
      return { data: { mail: all, hasMore }, error: null }
    },
  )
  useShortcuts([
    { keys: '/', description: 'Filter by recipient', run: () => input.focus() },
    { keys: 'r', description: 'Reload', run: () => setVersion((v) => v + 1) },
  ])
  const list = () => mail()?.mail ?? []

  return (
    <>
      <PageHead title="Mail outbox">
        <button class="btn" onClick={() => setVersion((v) => v + 1)} title="Reload (R)">
          <Icon name="refresh" /> Refresh
        </button>
      </PageHead>
      <div class="page-body flush">
        <div class="toolbar">
          <input ref={input} type="search" placeholder="Recipient   ( / )" aria-label="Recipient" style={{ width: '300px' }} value={recipient()} onInput={(e) => (setRecipient(e.currentTarget.value), setPages([]))} />
          <select aria-label="Kind" value={kind()} onChange={(e) => (setKind(e.currentTarget.value), setPages([]))}>
            <option value="">every kind</option>
            <For each={KINDS}>{(k) => <option value={k}>{k}</option>}</For>
          </select>
          <span class="spacer" />
          <span class="muted">Mail is kept here whether or not SMTP is configured.</span>
        </div>
        <div class="grid-wrap">
          <Show when={mail.error()}>
            <div style={{ padding: '12px 20px' }}>
              <ErrorBox error={mail.error()!} />
            </div>
          </Show>
          <table class="data clickable" aria-label="Mail">
            <thead>
              <tr>
                <th style={{ width: '130px' }}>Kind</th>
                <th style={{ width: '26%' }}>To</th>
                <th>Subject</th>
                <th style={{ width: '130px' }}>State</th>
                <th style={{ width: '170px' }}>Queued</th>
              </tr>
            </thead>
            <tbody>
              <For each={list()}>
                {(m) => (
                  <tr onClick={() => setReading(m)} tabindex="0" onKeyDown={(e) => e.key === 'Enter' && setReading(m)}>
                    <td>
                      <span class="badge info">{m.kind}</span>
                    </td>
                    <td>{m.recipient}</td>
                    <td>{m.subject}</td>
                    <td>
                      <Show when={m.sent_at} fallback={<span class={`badge ${m.last_error ? 'danger' : ''}`}>{m.last_error ? 'failing' : 'in outbox'}</span>}>
                        <span class="badge ok" title={formatDateTime(m.sent_at)}>sent</span>
                      </Show>
                    </td>
                    <td class="muted" title={formatDateTime(m.created_at)}>{formatAgo(m.created_at)}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
          <Show when={!mail.loading() && !list().length && !mail.error()}>
            <div class="empty">
              <strong>No mail</strong>
              <span>Sign-ups with confirmation, magic links and resets put their mail here.</span>
            </div>
          </Show>
          <Show when={mail()?.hasMore}>
            <div class="row" style={{ 'justify-content': 'center', padding: '12px' }}>
              <button class="btn" onClick={() => setPages([...pages(), list()[list().length - 1]!.id])}>Load older mail</button>
            </div>
          </Show>
        </div>
      </div>
      <Show when={reading()}>
        <MailViewer mail={reading()!} onClose={() => setReading(null)} />
      </Show>
    </>
  )
}
