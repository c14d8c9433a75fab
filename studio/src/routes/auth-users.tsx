// Auth users: search and page through them (GoTrue's admin API on /auth/v1), create one, and for
// the chosen user confirm, ban or unban, send a password reset, delete; their sessions and mail.
import { createSignal, For, Show } from 'solid-js'
import { ConfirmDialog, FormDialog } from '../components/dialog.tsx'
import { ErrorBox } from '../components/error-box.tsx'
import { Icon } from '../components/icons.tsx'
import { MailViewer } from '../components/mail-viewer.tsx'
import { PageHead } from '../components/shell.tsx'
import { toast, toastError } from '../components/toast.tsx'
import { formatAgo, formatCount, formatDateTime } from '../lib/format.ts'
import { useShortcuts } from '../lib/keyboard.ts'
import { apiResource } from '../lib/resource.ts'
import { api } from '../lib/session.ts'
import type { AuthSession, AuthUser, Mail } from '../stores/auth-types.ts'

const PER_PAGE = 50

export default function AuthUsers() {
  const [search, setSearch] = createSignal('')
  const [page, setPage] = createSignal(1)
  const [version, setVersion] = createSignal(0)
  const [selectedId, setSelectedId] = createSignal<string | null>(null)
  const [creating, setCreating] = createSignal(false)
  let searchInput!: HTMLInputElement

  const users = apiResource(
    () => ({ filter: search().trim(), page: page(), version: version() }),
    async (q) => {
      const result = await api.get<{ users: AuthUser[] }>('/auth/v1/admin/users', { query: { page: q.page, per_page: PER_PAGE, filter: q.filter || undefined } })
      if (result.error) return result
      return { data: { users: result.data.users, total: Number(result.headers.get('x-total-count') ?? result.data.users.length) }, error: null }
    },
  )
  const list = () => users()?.users ?? []
  const total = () => users()?.total ?? 0
  const selected = () => list().find((u) => u.id === selectedId()) ?? null
  const reload = () => setVersion((v) => v + 1)

  const move = (by: number) => {
    const all = list()
    const at = all.findIndex((u) => u.id === selectedId())
    const next = all[Math.max(0, Math.min(all.length - 1, at === -1 ? 0 : at + by))]
    if (next) setSelectedId(next.id)
  }
  useShortcuts([
    { keys: '/', description: 'Search users', run: () => searchInput.focus() },
    { keys: 'j', description: 'Next user', run: () => move(1) },
    { keys: 'k', description: 'Previous user', run: () => move(-1) },
    { keys: 'n', description: 'Create a user', run: () => setCreating(true) },
    { keys: 'escape', description: 'Close the user', run: () => setSelectedId(null) },
  ])

  return (
    <>
      <PageHead title="Users">
        <span class="muted num">{formatCount(total())} users</span>
        <button class="btn primary" onClick={() => setCreating(true)} title="Create a user (N)">
          <Icon name="plus" /> Create user
        </button>
      </PageHead>
      <div class="page-body flush">
        <div class="toolbar">
          <Icon name="search" style={{ width: '15px', height: '15px', color: 'var(--faint)' }} />
          <input
            ref={searchInput}
            type="search"
            placeholder="Search by email or name   ( / )"
            aria-label="Search users"
            style={{ width: '360px' }}
            value={search()}
            onInput={(e) => {
              setSearch(e.currentTarget.value)
              setPage(1)
            }}
          />
          <span class="spacer" />
          <button class="btn small" disabled={page() === 1} onClick={() => setPage(page() - 1)}>← Previous</button>
          <span class="muted num">page {page()} of {Math.max(1, Math.ceil(total() / PER_PAGE))}</span>
          <button class="btn small" disabled={page() * PER_PAGE >= total()} onClick={() => setPage(page() + 1)}>Next →</button>
        </div>
        <div class={`inspector ${selected() ? 'with-detail' : ''}`}>
          <div class="grid-wrap">
            <Show when={users.error()}>
              <div style={{ padding: '12px 20px' }}>
                <ErrorBox error={users.error()!} />
              </div>
            </Show>
            <table class="data clickable" aria-label="Users" style={{ opacity: users.loading() ? 0.6 : 1 }}>
              <thead>
                <tr>
                  <th>Email</th>
                  <th style={{ width: '130px' }}>Status</th>
                  <th style={{ width: '150px' }}>Last sign-in</th>
                  <th style={{ width: '170px' }}>Created</th>
                </tr>
              </thead>
              <tbody>
                <For each={list()}>
                  {(user) => (
                    <tr classList={{ selected: user.id === selectedId() }} onClick={() => setSelectedId(user.id)} data-email={user.email}>
                      <td>
                        <Show when={user.email} fallback={<span class="muted">anonymous · {user.id.slice(0, 8)}</span>}>
                          {user.email}
                        </Show>
                      </td>
                      <td>
                        <UserStatus user={user} />
                      </td>
                      <td class="muted">{formatAgo(user.last_sign_in_at)}</td>
                      <td class="muted">{formatDateTime(user.created_at)}</td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
            <Show when={!users.loading() && !list().length && !users.error()}>
              <div class="empty">
                <strong>{search() ? `No user matches “${search()}”` : 'No users yet'}</strong>
              </div>
            </Show>
          </div>
          <Show when={selected()}>
            <UserDetail user={selected()!} onChanged={reload} onDeleted={() => (setSelectedId(null), reload())} onClose={() => setSelectedId(null)} />
          </Show>
        </div>
      </div>
      <Show when={creating()}>
        <CreateUser onClose={() => setCreating(false)} onCreated={(user) => (setCreating(false), setSearch(''), reload(), setSelectedId(user.id))} />
      </Show>
    </>
  )
}

export function UserStatus(props: { user: AuthUser }) {
  return (
    <Show when={!props.user.banned_until} fallback={<span class="badge danger">banned</span>}>
      <Show when={props.user.email_confirmed_at || props.user.is_anonymous} fallback={<span class="badge warn">unconfirmed</span>}>
        <span class="badge ok">{props.user.is_anonymous ? 'anonymous' : 'confirmed'}</span>
      </Show>
    </Show>
  )
}

function UserDetail(props: { user: AuthUser; onChanged: () => void; onDeleted: () => void; onClose: () => void }) {
  const [confirmDelete, setConfirmDelete] = createSignal(false)
  const [reading, setReading] = createSignal<Mail | null>(null)
  const mail = apiResource(
    () => props.user.id,
    (id) => api.get<{ mail: Mail[] }>('/admin/v1/auth/mail', { query: { user_id: id, limit: 20 } }),
  )
  const sessions = apiResource(
    () => props.user.id,
    (id) => api.get<{ sessions: AuthSession[] }>('/admin/v1/auth/sessions', { query: { user_id: id } }),
  )
  const update = async (body: Record<string, unknown>, done: string) => {
    const result = await api.put(`/auth/v1/admin/users/${props.user.id}`, body)
    if (result.error) return toastError(result.error)
    toast('ok', done)
    props.onChanged()
  }
  const sendReset = async () => {
    const result = await api.post<{ recipient: string }>(`/admin/v1/auth/users/${props.user.id}/recover`, {})
    if (result.error) return toastError(result.error, 'Reset not sent')
    toast('ok', `Password reset mail queued for ${result.data.recipient}.`)
    mail.refetch()
  }
  const signOutAll = async () => {
    const result = await api.delete('/admin/v1/auth/sessions', { query: { user_id: props.user.id } })
    if (result.error) return toastError(result.error)
    toast('ok', 'Every session of this user ended.')
    sessions.refetch()
  }
  return (
    <aside class="detail" aria-label="User">
      <header>
        <h2 class="grow ellipsis">{props.user.email || 'anonymous user'}</h2>
        <button class="btn ghost icon" aria-label="Close" onClick={() => props.onClose()}>
          <Icon name="close" />
        </button>
      </header>
      <div class="detail-body">
        <dl class="kv">
          <dt>Status</dt>
          <dd>
            <UserStatus user={props.user} />
            <Show when={props.user.banned_until}>
              <span class="muted"> until {formatDateTime(props.user.banned_until)}</span>
            </Show>
          </dd>
          <dt>User id</dt>
          <dd class="mono">{props.user.id}</dd>
          <dt>Role</dt>
          <dd>{props.user.role}</dd>
          <dt>Confirmed</dt>
          <dd>{formatDateTime(props.user.email_confirmed_at)}</dd>
          <dt>Last sign-in</dt>
          <dd>{formatDateTime(props.user.last_sign_in_at)}</dd>
          <dt>Created</dt>
          <dd>{formatDateTime(props.user.created_at)}</dd>
          <Show when={Object.keys(props.user.user_metadata ?? {}).length}>
            <dt>Metadata</dt>
            <dd class="mono">{JSON.stringify(props.user.user_metadata)}</dd>
          </Show>
        </dl>
        <div class="row" style={{ padding: '0 14px 12px', 'flex-wrap': 'wrap' }}>
          <Show when={!props.user.email_confirmed_at && props.user.email}>
            <button class="btn small" onClick={() => void update({ email_confirm: true }, 'Email confirmed.')}>Confirm email</button>
          </Show>
          <Show when={props.user.email}>
            <button class="btn small" onClick={() => void sendReset()}>Send password reset</button>
          </Show>
          <Show when={props.user.banned_until} fallback={<button class="btn small" onClick={() => void update({ ban_duration: '876000h' }, 'User banned.')}>Ban</button>}>
            <button class="btn small" onClick={() => void update({ ban_duration: 'none' }, 'User unbanned.')}>Unban</button>
          </Show>
          <button class="btn small danger" onClick={() => setConfirmDelete(true)}>Delete</button>
        </div>

        <div class="list-group row">
          <span class="grow">Mail</span>
        </div>
        <Show when={mail.error()}>
          <div style={{ padding: '0 14px' }}>
            <ErrorBox error={mail.error()!} />
          </div>
        </Show>
        <For each={mail()?.mail ?? []} fallback={<div class="muted" style={{ padding: '4px 14px 10px' }}>No mail sent to this user.</div>}>
          {(m) => (
            <button class="history-item" style={{ 'font-family': 'var(--font)' }} onClick={() => setReading(m)} data-mail-kind={m.kind}>
              <div class="row">
                <span class="badge info">{m.kind}</span>
                <span class="ellipsis grow">{m.subject}</span>
                <span class="faint nowrap">{formatAgo(m.created_at)}</span>
              </div>
            </button>
          )}
        </For>

        <div class="list-group row">
          <span class="grow">Sessions</span>
          <Show when={(sessions()?.sessions ?? []).length}>
            <button class="btn ghost small" onClick={() => void signOutAll()}>Sign out everywhere</button>
          </Show>
        </div>
        <For each={sessions()?.sessions ?? []} fallback={<div class="muted" style={{ padding: '4px 14px 10px' }}>No active sessions.</div>}>
          {(s) => (
            <div style={{ padding: '6px 14px', 'border-bottom': '1px solid var(--border)' }}>
              <div class="ellipsis">{s.user_agent ?? 'unknown client'}</div>
              <div class="faint">
                {s.ip ?? '—'} · since {formatDateTime(s.created_at)} · refreshed {formatAgo(s.refreshed_at ?? s.updated_at)}
              </div>
            </div>
          )}
        </For>
      </div>
      <Show when={confirmDelete()}>
        <ConfirmDialog
          title="Delete this user?"
          danger
          confirm="Delete user"
          body={<p>{props.user.email || props.user.id} and their sessions are deleted. This cannot be undone.</p>}
          onClose={() => setConfirmDelete(false)}
          onConfirm={async () => {
            setConfirmDelete(false)
            const result = await api.delete(`/auth/v1/admin/users/${props.user.id}`)
            if (result.error) return toastError(result.error, 'Delete failed')
            toast('ok', 'User deleted.')
            props.onDeleted()
          }}
        />
      </Show>
      <Show when={reading()}>
        <MailViewer mail={reading()!} onClose={() => setReading(null)} />
      </Show>
    </aside>
  )
}

function CreateUser(props: { onClose: () => void; onCreated: (user: AuthUser) => void }) {
  let email!: HTMLInputElement
  let password!: HTMLInputElement
  let confirm!: HTMLInputElement
  const create = async () => {
    const body: Record<string, unknown> = { email: email.value.trim(), email_confirm: confirm.checked }
    if (password.value) body.password = password.value
    const result = await api.post<AuthUser>('/auth/v1/admin/users', body)
    if (result.error) return result.error
    toast('ok', `User ${result.data.email} created.`)
    props.onCreated(result.data)
    return null
  }
  return (
    <FormDialog title="Create a user" submitLabel="Create user" onSubmit={create} onClose={props.onClose}>
      <label class="field">
        Email
        <input ref={email} type="email" required autofocus />
      </label>
      <label class="field">
        Password
        <input ref={password} type="password" autocomplete="new-password" />
        <span class="help">Leave empty for a user who signs in by link or sets a password through a reset.</span>
      </label>
      <label class="check">
        <input ref={confirm} type="checkbox" checked /> Mark the email as confirmed
      </label>
    </FormDialog>
  )
}
