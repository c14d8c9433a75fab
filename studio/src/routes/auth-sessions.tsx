// Every signed-in session, newest first: who, from where, since when; end one, or all of a user's.
import { createSignal, For, Show } from 'solid-js'
import { ErrorBox } from '../components/error-box.tsx'
import { Icon } from '../components/icons.tsx'
import { PageHead } from '../components/shell.tsx'
import { toast, toastError } from '../components/toast.tsx'
import { formatAgo, formatDateTime } from '../lib/format.ts'
import { apiResource } from '../lib/resource.ts'
import { api } from '../lib/session.ts'
import type { AuthSession } from '../stores/auth-types.ts'

const LIMIT = 100

export default function AuthSessions() {
  const [offset, setOffset] = createSignal(0)
  const [version, setVersion] = createSignal(0)
  const sessions = apiResource(
    () => ({ offset: offset(), version: version() }),
    (q) => api.get<{ sessions: AuthSession[]; has_more: boolean }>('/admin/v1/auth/sessions', { query: { limit: LIMIT, offset: q.offset } }),
  )
  const end = async (s: AuthSession) => {
    const result = await api.delete(`/admin/v1/auth/sessions/${s.id}`)
    if (result.error) return toastError(result.error)
    toast('ok', `Session of ${s.email ?? s.user_id} ended.`)
    setVersion((v) => v + 1)
  }
  const list = () => sessions()?.sessions ?? []
  return (
    <>
      <PageHead title="Sessions">
        <button class="btn" onClick={() => setVersion((v) => v + 1)}>
          <Icon name="refresh" /> Refresh
        </button>
      </PageHead>
      <div class="page-body flush">
        <div class="grid-wrap">
          <Show when={sessions.error()}>
            <div style={{ padding: '12px 20px' }}>
              <ErrorBox error={sessions.error()!} />
            </div>
          </Show>
          <table class="data" aria-label="Sessions">
            <thead>
              <tr>
                <th style={{ width: '24%' }}>User</th>
                <th>Client</th>
                <th style={{ width: '130px' }}>IP</th>
                <th style={{ width: '170px' }}>Since</th>
                <th style={{ width: '120px' }}>Refreshed</th>
                <th style={{ width: '90px' }} />
              </tr>
            </thead>
            <tbody>
              <For each={list()}>
                {(s) => (
                  <tr>
                    <td>{s.email ?? <span class="mono">{s.user_id}</span>}</td>
                    <td class="muted">{s.user_agent ?? '—'}</td>
                    <td class="mono">{s.ip ?? '—'}</td>
                    <td>{formatDateTime(s.created_at)}</td>
                    <td class="muted">{formatAgo(s.refreshed_at ?? s.updated_at)}</td>
                    <td>
                      <button class="btn small danger" onClick={() => void end(s)}>End</button>
                    </td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
          <Show when={!sessions.loading() && !list().length && !sessions.error()}>
            <div class="empty">
              <strong>No sessions</strong>
            </div>
          </Show>
        </div>
        <div class="pager">
          <span class="spacer" />
          <button class="btn small" disabled={offset() === 0} onClick={() => setOffset(Math.max(0, offset() - LIMIT))}>← Newer</button>
          <button class="btn small" disabled={!sessions()?.has_more} onClick={() => setOffset(offset() + LIMIT)}>Older →</button>
        </div>
      </div>
    </>
  )
}
