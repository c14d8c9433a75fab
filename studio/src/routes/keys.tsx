// API keys: the anon and service keys to copy, the JWT secret's fingerprint, and rotation with a
// grace period during which tokens signed with the previous secret still pass.
import { createSignal, For, Show } from 'solid-js'
import { ConfirmDialog } from '../components/dialog.tsx'
import { ErrorBox } from '../components/error-box.tsx'
import { PageHead } from '../components/shell.tsx'
import { toast, toastError } from '../components/toast.tsx'
import { formatDateTime } from '../lib/format.ts'
import { apiLoad } from '../lib/resource.ts'
import { api, replaceToken, session } from '../lib/session.ts'

interface KeysAnswer {
  anon_key: string
  service_key: string
  jwt_secret: string
  current: { id: string; fingerprint: string; source: string; created_at: string | null }
  previous: Array<{ id: string; fingerprint: string; expires_at: string }>
  asymmetric: { alg: string; kid: string } | null
}

const GRACE: Array<[number, string]> = [
  [0, 'none — old tokens stop working now'],
  [3600, '1 hour'],
  [86400, '24 hours'],
  [7 * 86400, '7 days'],
  [30 * 86400, '30 days'],
]

export default function Keys() {
  const keys = apiLoad(() => api.get<KeysAnswer>('/admin/v1/keys'))
  const [grace, setGrace] = createSignal(86400)
  const [confirming, setConfirming] = createSignal(false)

  const rotate = async () => {
    setConfirming(false)
    const result = await api.post<KeysAnswer>('/admin/v1/keys/rotate', { grace_seconds: grace() })
    if (result.error) return toastError(result.error, 'Rotation failed')
    keys.mutate(result.data)
    // The Studio's own key is one of the old ones: carry on with the new service key.
    if (session()?.kind === 'service_key') replaceToken(result.data.service_key)
    toast('ok', 'JWT secret rotated. Update your applications’ keys before the old ones expire.')
  }

  return (
    <>
      <PageHead title="API keys" />
      <div class="page-body stack" style={{ 'max-width': '980px' }}>
        <Show when={keys.error()}>
          <ErrorBox error={keys.error()!} />
        </Show>
        <Show when={keys()}>
          {(k) => (
            <>
              <section class="card">
                <header>
                  <h2>Keys</h2>
                </header>
                <div class="card-body stack">
                  <Secret label="anon key" help="Safe in browsers and apps: row level security decides what it may do." value={k().anon_key} />
                  <Secret label="service key" help="Bypasses row level security. Keep it on servers; never ship it to a browser." value={k().service_key} danger />
                  <Secret label="JWT secret" help="Signs the keys and every access token." value={k().jwt_secret} danger />
                </div>
              </section>
              <section class="card">
                <header>
                  <h2>Signing secret</h2>
                </header>
                <div class="card-body stack">
                  <dl class="kv" style={{ padding: 0 }}>
                    <dt>Current</dt>
                    <dd class="mono">
                      {k().current.fingerprint} <span class="faint">({k().current.source === 'env' ? 'from PGSTACK_JWT_SECRET' : 'stored in the database'})</span>
                    </dd>
                    <For each={k().previous}>
                      {(p) => (
                        <>
                          <dt>Previous</dt>
                          <dd class="mono">
                            {p.fingerprint} <span class="faint">accepted until {formatDateTime(p.expires_at)}</span>
                          </dd>
                        </>
                      )}
                    </For>
                    <Show when={k().asymmetric}>
                      <dt>Access tokens</dt>
                      <dd>
                        {k().asymmetric!.alg} <span class="faint mono">kid {k().asymmetric!.kid}</span>
                      </dd>
                    </Show>
                  </dl>
                  <div class="row">
                    <label class="row">
                      Grace period
                      <select value={grace()} onChange={(e) => setGrace(Number(e.currentTarget.value))} aria-label="Grace period">
                        <For each={GRACE}>{([seconds, text]) => <option value={seconds}>{text}</option>}</For>
                      </select>
                    </label>
                    <button class="btn danger" onClick={() => setConfirming(true)}>Rotate the JWT secret…</button>
                  </div>
                </div>
              </section>
            </>
          )}
        </Show>
      </div>
      <Show when={confirming()}>
        <ConfirmDialog
          title="Rotate the JWT secret?"
          danger
          confirm="Rotate"
          body={
            <p>
              A new secret signs new tokens and new anon and service keys at once, in every hub of this database. Tokens and keys signed with the current secret{' '}
              {grace() === 0 ? <strong>stop working immediately</strong> : <>keep working for {GRACE.find(([s]) => s === grace())?.[1]}</>}. Your applications need the new keys.
            </p>
          }
          onClose={() => setConfirming(false)}
          onConfirm={() => void rotate()}
        />
      </Show>
    </>
  )
}

function Secret(props: { label: string; help: string; value: string; danger?: boolean }) {
  const [shown, setShown] = createSignal(false)
  const copy = async () => {
    await navigator.clipboard.writeText(props.value).then(
      () => toast('ok', `${props.label} copied.`),
      () => toast('error', 'The browser refused the clipboard; reveal the value and copy it by hand.'),
    )
  }
  return (
    <div class="stack" style={{ gap: '4px' }} data-secret={props.label}>
      <div class="row">
        <strong>{props.label}</strong>
        <Show when={props.danger}>
          <span class="badge danger">secret</span>
        </Show>
        <span class="muted">{props.help}</span>
      </div>
      <div class="row">
        <input class="grow mono" readOnly value={shown() ? props.value : '•'.repeat(Math.min(64, props.value.length))} aria-label={props.label} onFocus={(e) => shown() && e.currentTarget.select()} />
        <button class="btn" onClick={() => setShown(!shown())}>{shown() ? 'Hide' : 'Reveal'}</button>
        <button class="btn" onClick={() => void copy()}>Copy</button>
      </div>
    </div>
  )
}
