// Short-lived notices in the corner: what a mutation did, or why it failed.
import { createSignal, For } from 'solid-js'
import type { ApiError } from '../lib/api.ts'

interface Toast {
  id: number
  kind: 'ok' | 'error' | 'info'
  text: string
  detail?: string | null
}

const [toasts, setToasts] = createSignal<Toast[]>([])
let next = 0

export function toast(kind: Toast['kind'], text: string, detail?: string | null): void {
  const id = ++next
  setToasts((list) => [...list.slice(-3), { id, kind, text, detail }])
  setTimeout(() => setToasts((list) => list.filter((t) => t.id !== id)), kind === 'error' ? 8000 : 3500)
}

export function toastError(error: ApiError, what?: string): void {
  toast('error', what ? `${what}: ${error.message}` : error.message, [error.details, error.hint].filter(Boolean).join(' ') || null)
}

export function Toasts() {
  return (
    <div class="toasts" role="status" aria-live="polite">
      <For each={toasts()}>
        {(t) => (
          <div class={`toast ${t.kind}`}>
            <div>{t.text}</div>
            {t.detail && <div class="muted" style={{ 'font-size': '12px', 'margin-top': '2px' }}>{t.detail}</div>}
          </div>
        )}
      </For>
    </div>
  )
}
