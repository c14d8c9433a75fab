// Sign-in: the service key, or an admin user's email and password. Nothing else of the Studio
// renders without a session.
import { createSignal, Match, Show, Switch } from 'solid-js'
import { ErrorBox } from '../components/error-box.tsx'
import type { ApiError } from '../lib/api.ts'
import { endedBecause, signInWithKey, signInWithPassword } from '../lib/session.ts'

export function SignIn() {
  const [mode, setMode] = createSignal<'key' | 'password'>('key')
  const [error, setError] = createSignal<ApiError | null>(null)
  const [busy, setBusy] = createSignal(false)
  const [remember, setRemember] = createSignal(false)
  let keyInput!: HTMLTextAreaElement
  let emailInput!: HTMLInputElement
  let passwordInput!: HTMLInputElement

  const submit = async (event: Event) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    const failure =
      mode() === 'key'
        ? await signInWithKey(keyInput.value, remember())
        : await signInWithPassword(emailInput.value.trim(), passwordInput.value, remember())
    setBusy(false)
    setError(failure)
  }

  return (
    <div class="signin">
      <div class="card">
        <div class="card-body stack">
          <div class="row">
            <img src="/studio/favicon.svg" alt="" width="28" height="28" />
            <div>
              <h1>pgStack Studio</h1>
              <div class="muted">Sign in to administer this hub.</div>
            </div>
          </div>
          <Show when={endedBecause()}>
            <div class="callout info">{endedBecause()}</div>
          </Show>
          <div class="tabs" style={{ padding: 0, background: 'none' }} role="tablist">
            <button type="button" role="tab" aria-selected={mode() === 'key'} class={`tab ${mode() === 'key' ? 'active' : ''}`} onClick={() => setMode('key')}>
              Service key
            </button>
            <button type="button" role="tab" aria-selected={mode() === 'password'} class={`tab ${mode() === 'password' ? 'active' : ''}`} onClick={() => setMode('password')}>
              Admin user
            </button>
          </div>
          <form class="stack" onSubmit={submit}>
            <Switch>
              <Match when={mode() === 'key'}>
                <label class="field">
                  Service key
                  <textarea
                    ref={keyInput}
                    name="service-key"
                    rows="4"
                    required
                    autofocus
                    spellcheck={false}
                    autocomplete="off"
                    placeholder="eyJhbGciOiJIUzI1NiIs…"
                    onKeyDown={(e) => e.key === 'Enter' && !e.shiftKey && (e.preventDefault(), e.currentTarget.form?.requestSubmit())}
                  />
                  <span class="help">
                    <code>npm run dev</code> prints it; it is also <code>serviceKey</code> in <code>.pgstack/stack.json</code>.
                  </span>
                </label>
              </Match>
              <Match when={mode() === 'password'}>
                <label class="field">
                  Email
                  <input ref={emailInput} name="email" type="email" required autofocus autocomplete="username" />
                </label>
                <label class="field">
                  Password
                  <input ref={passwordInput} name="password" type="password" required autocomplete="current-password" />
                </label>
              </Match>
            </Switch>
            <label class="check">
              <input type="checkbox" checked={remember()} onChange={(e) => setRemember(e.currentTarget.checked)} />
              Keep me signed in on this browser
            </label>
            <Show when={error()}>
              <ErrorBox error={error()!} />
            </Show>
            <button class="btn primary" type="submit" disabled={busy()}>
              {busy() ? 'Signing in…' : 'Sign in'}
            </button>
          </form>
        </div>
      </div>
    </div>
  )
}
