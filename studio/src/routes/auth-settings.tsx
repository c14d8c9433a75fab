// Auth settings, stored in the database and applied at once (docs/admin-api.md): sign-up,
// confirmation, password rules, sessions, rate limits, SMTP with a test send, redirect allow-list
// and mail templates. A setting an environment variable pins is shown with the variable's name and
// cannot be changed here.
import { createMemo, createSignal, For, Match, Show, Switch } from 'solid-js'
import { createStore, reconcile } from 'solid-js/store'
import { ErrorBox } from '../components/error-box.tsx'
import { PageHead } from '../components/shell.tsx'
import { toast } from '../components/toast.tsx'
import type { ApiError } from '../lib/api.ts'
import { formatDateTime } from '../lib/format.ts'
import { useShortcuts } from '../lib/keyboard.ts'
import { apiLoad } from '../lib/resource.ts'
import { api } from '../lib/session.ts'
import { MailTemplates, type Templates } from './auth-templates.tsx'

export interface SettingField {
  name: string
  type: string
  minimum?: number
  maximum?: number
  default?: unknown
  env: string | null
  source: 'default' | 'database' | 'env'
  editable: boolean
  group: string
  description?: string
  /** Allowed values, for settings that are one of a list. */
  enum?: Array<string | null>
  values?: Array<string | null>
}

interface SettingsAnswer {
  settings: Record<string, unknown>
  fields: SettingField[]
  updated_at: string | null
}

const GROUPS: Array<[string, string]> = [
  ['sign_up', 'Sign-up and confirmation'],
  ['passwords', 'Passwords'],
  ['urls', 'URLs and redirects'],
  ['sessions', 'Sessions and codes'],
  ['rate_limits', 'Rate limits'],
  ['smtp', 'SMTP'],
  ['deployment', 'Deployment (environment only)'],
]

const label = (name: string) => name.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()).replace(/\burl(s?)\b/gi, 'URL$1').replace(/\bjwt\b/gi, 'JWT').replace(/\bsmtp\b/gi, 'SMTP').replace(/\botp\b/gi, 'OTP')

export default function AuthSettings() {
  const answer = apiLoad(() => api.get<SettingsAnswer>('/admin/v1/auth/settings'))
  const [draft, setDraft] = createStore<Record<string, unknown>>({})
  const [error, setError] = createSignal<ApiError | null>(null)
  const [saving, setSaving] = createSignal(false)

  const fields = createMemo(() => answer()?.fields ?? [])
  const value = (name: string) => (name in draft ? draft[name] : answer()?.settings[name])
  const changed = createMemo(() => Object.keys(draft).filter((name) => JSON.stringify(draft[name]) !== JSON.stringify(answer()?.settings[name])))
  const set = (name: string, next: unknown) => setDraft(name, next as never)

  const save = async () => {
    const names = changed()
    if (!names.length || saving()) return
    setSaving(true)
    const body = Object.fromEntries(names.map((name) => [name, draft[name]]))
    const result = await api.patch<SettingsAnswer>('/admin/v1/auth/settings', body)
    setSaving(false)
    if (result.error) return setError(result.error)
    setError(null)
    answer.mutate(result.data)
    setDraft(reconcile({}))
    toast('ok', `Saved ${names.map(label).join(', ')}. In force now, no restart needed.`)
  }
  useShortcuts([{ keys: 'mod+s', description: 'Save the settings', run: () => void save(), inFields: true }])

  return (
    <>
      <PageHead title="Auth settings">
        <Show when={answer()?.updated_at}>
          <span class="muted">last changed {formatDateTime(answer()!.updated_at)}</span>
        </Show>
        <button class="btn" disabled={!changed().length} onClick={() => setDraft(reconcile({}))}>Discard</button>
        <button class="btn primary" disabled={!changed().length || saving()} onClick={() => void save()} title="Ctrl+S">
          {saving() ? 'Saving…' : changed().length ? `Save ${changed().length} change${changed().length === 1 ? '' : 's'}` : 'Saved'}
        </button>
      </PageHead>
      <div class="page-body stack">
        <Show when={answer.error()}>
          <ErrorBox error={answer.error()!} />
        </Show>
        <Show when={error()}>
          <ErrorBox error={error()!} title="The settings were not saved" />
        </Show>
        <Show when={fields().some((f) => f.source === 'env' && f.editable !== false && f.group !== 'deployment')}>
          <div class="callout warn">
            <div>
              <strong>Some settings are pinned by environment variables.</strong>
              <p class="muted">An environment variable wins over what is stored here; unset it and restart the hub to manage that setting from the Studio.</p>
            </div>
          </div>
        </Show>
        <div class="settings-grid">
          <For each={GROUPS}>
            {([group, title]) => {
              const inGroup = () => fields().filter((f) => f.group === group && f.name !== 'mail_templates')
              return (
                <Show when={inGroup().length}>
                  <section class="card" aria-label={title}>
                    <header>
                      <h2>{title}</h2>
                    </header>
                    <For each={inGroup()}>{(field) => <Setting field={field} value={value(field.name)} changed={changed().includes(field.name)} onChange={(v) => set(field.name, v)} />}</For>
                    <Show when={group === 'smtp'}>
                      <SmtpTest />
                    </Show>
                  </section>
                </Show>
              )
            }}
          </For>
        </div>
        <Show when={fields().some((f) => f.name === 'mail_templates')}>
          <MailTemplates
            value={(value('mail_templates') as Templates | null) ?? {}}
            pinned={fields().find((f) => f.name === 'mail_templates')!.source === 'env'}
            onChange={(next) => set('mail_templates', next)}
          />
        </Show>
      </div>
    </>
  )
}

function Setting(props: { field: SettingField; value: unknown; changed: boolean; onChange: (value: unknown) => void }) {
  const pinned = () => props.field.source === 'env' || !props.field.editable
  const choices = () => props.field.enum ?? props.field.values ?? null
  const id = () => `setting-${props.field.name}`
  return (
    <div class="setting" data-setting={props.field.name}>
      <div>
        <label class="name" for={id()}>
          {label(props.field.name)}
          <Show when={props.changed}>
            <span class="badge info" style={{ 'margin-left': '6px' }}>changed</span>
          </Show>
        </label>
        <Show when={props.field.description}>
          <div class="help">{props.field.description}</div>
        </Show>
        <Show when={props.field.source === 'env'}>
          <div class="pinned">pinned by {props.field.env}</div>
        </Show>
        <Show when={props.field.source !== 'env' && !props.field.editable && props.field.env}>
          <div class="help">set with {props.field.env}</div>
        </Show>
      </div>
      <Switch
        fallback={
          <input
            id={id()}
            value={props.value === null || props.value === undefined ? '' : String(props.value)}
            disabled={pinned()}
            placeholder={props.field.default === null || props.field.default === undefined ? 'not set' : `default: ${String(props.field.default)}`}
            onInput={(e) => props.onChange(e.currentTarget.value === '' ? null : e.currentTarget.value)}
          />
        }
      >
        <Match when={props.field.type === 'boolean'}>
          <label class="check" style={{ 'justify-self': 'start' }}>
            <input id={id()} type="checkbox" checked={props.value === true} disabled={pinned()} onChange={(e) => props.onChange(e.currentTarget.checked)} />
            {props.value === true ? 'on' : 'off'}
          </label>
        </Match>
        <Match when={props.field.type === 'integer' || props.field.type === 'number'}>
          <input
            id={id()}
            type="number"
            min={props.field.minimum}
            max={props.field.maximum}
            value={props.value === null || props.value === undefined ? '' : String(props.value)}
            disabled={pinned()}
            onInput={(e) => props.onChange(e.currentTarget.value === '' ? null : Number(e.currentTarget.value))}
          />
        </Match>
        <Match when={choices()}>
          <select id={id()} disabled={pinned()} onChange={(e) => props.onChange(e.currentTarget.value === '' ? null : e.currentTarget.value)}>
            <For each={choices()!}>{(c) => <option value={c ?? ''} selected={(props.value ?? null) === c}>{c ?? 'none'}</option>}</For>
          </select>
        </Match>
        <Match when={props.field.type.endsWith('[]') || props.field.type === 'array'}>
          <textarea
            id={id()}
            rows="3"
            disabled={pinned()}
            placeholder="one per line"
            value={Array.isArray(props.value) ? props.value.join('\n') : ''}
            onInput={(e) => props.onChange(e.currentTarget.value.split('\n').map((l) => l.trim()).filter(Boolean))}
          />
        </Match>
      </Switch>
    </div>
  )
}

function SmtpTest() {
  const [to, setTo] = createSignal('')
  const [busy, setBusy] = createSignal(false)
  const [outcome, setOutcome] = createSignal<{ ok: true; response: string } | { ok: false; error: ApiError } | null>(null)
  const send = async (event: Event) => {
    event.preventDefault()
    setBusy(true)
    const result = await api.post<{ sent: boolean; response: string }>('/admin/v1/auth/settings/smtp-test', { to: to().trim() })
    setBusy(false)
    setOutcome(result.error ? { ok: false, error: result.error } : { ok: true, response: result.data.response })
  }
  return (
    <form class="setting" style={{ 'grid-template-columns': '1fr' }} onSubmit={send}>
      <div class="row">
        <input type="email" required placeholder="send a test mail to…" aria-label="Test mail recipient" class="grow" value={to()} onInput={(e) => setTo(e.currentTarget.value)} />
        <button class="btn" disabled={busy()}>{busy() ? 'Sending…' : 'Send test'}</button>
      </div>
      <Show when={outcome()}>
        {(o) => (
          <Show when={o().ok} fallback={<ErrorBox error={(o() as { error: ApiError }).error} title="The test mail was not sent" />}>
            <div class="callout info">Sent. The server answered: {(o() as { response: string }).response}</div>
          </Show>
        )}
      </Show>
      <div class="help">Uses the saved settings (save your changes first).</div>
    </form>
  )
}
