// The auth audit log, newest first: sign-ins, sign-ups, token refreshes, admin actions; filtered by
// action or user.
import { createSignal, For, Show } from 'solid-js'
import { ErrorBox } from '../components/error-box.tsx'
import { Icon } from '../components/icons.tsx'
import { PageHead } from '../components/shell.tsx'
import { formatDateTime } from '../lib/format.ts'
import { apiResource } from '../lib/resource.ts'
import { api } from '../lib/session.ts'
import type { AuditEntry } from '../stores/auth-types.ts'

const LIMIT = 100

export default function AuthAudit() {
  const [action, setAction] = createSignal('')
  const [userId, setUserId] = createSignal('')
  const [cursors, setCursors] = createSignal<string[]>([])
  const [version, setVersion] = createSignal(0)
  const entries = apiResource(
    () => ({ action: action().trim(), userId: userId().trim(), cursors: cursors(), version: version() }),
    async (q) => {
      const all: AuditEntry[] = []
      let hasMore = false
      for (const before of [undefined, ...q.cursors]) {
        const result = await api.get<{ entries: AuditEntry[]; has_more: boolean }>('/admin/v1/auth/audit', { query: { action: q.action || undefined, user_id: q.userId || undefined, limit: LIMIT, before } })
        if (result.error) return result
        all.push(...result.data.entries)
        hasMore = result.data.has_more
      }
      return { data: { entries: all, hasMore }, error: null }
    },
  )
  const list = () => entries()?.entries ?? []
  return (
    <>
      <PageHead title="Audit log">
        <button class="btn" onClick={() => setVersion((v) => v + 1)}>
          <Icon name="refresh" /> Refresh
        </button>
      </PageHead>
      <div class="page-body flush">
        <div class="toolbar">
          <input type="search" placeholder="Action, e.g. login" aria-label="Action" value={action()} onInput={(e) => (setAction(e.currentTarget.value), setCursors([]))} />
          <input type="search" placeholder="User id" aria-label="User id" style={{ width: '320px' }} value={userId()} onInput={(e) => (setUserId(e.currentTarget.value), setCursors([]))} />
        </div>
        <div class="grid-wrap">
          <Show when={entries.error()}>
            <div style={{ padding: '12px 20px' }}>
              <ErrorBox error={entries.error()!} />
            </div>
          </Show>
          <table class="data" aria-label="Audit log">
            <thead>
              <tr>
                <th style={{ width: '180px' }}>When</th>
                <th style={{ width: '180px' }}>Action</th>
                <th style={{ width: '24%' }}>Actor</th>
                <th style={{ width: '130px' }}>IP</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              <For each={list()}>
                {(e) => (
                  <tr>
                    <td class="muted">{formatDateTime(e.created_at)}</td>
                    <td>
                      <span class="badge">{e.action}</span>
                    </td>
                    <td>{e.actor_username || <span class="mono faint">{e.actor_id ?? '—'}</span>}</td>
                    <td class="mono">{e.ip_address || '—'}</td>
                    <td class="mono muted" title={JSON.stringify(e.traits)}>{e.traits ? JSON.stringify(e.traits) : ''}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
          <Show when={!entries.loading() && !list().length && !entries.error()}>
            <div class="empty">
              <strong>No entries</strong>
            </div>
          </Show>
          <Show when={entries()?.hasMore}>
            <div class="row" style={{ 'justify-content': 'center', padding: '12px' }}>
              <button class="btn" onClick={() => setCursors([...cursors(), list()[list().length - 1]!.created_at])}>Load older entries</button>
            </div>
          </Show>
        </div>
      </div>
    </>
  )
}
