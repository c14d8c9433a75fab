// A modal on the native <dialog>: focus is trapped and Esc closes it, for free and for keyboards.
import { createSignal, createUniqueId, onMount, Show, type JSX } from 'solid-js'
import type { ApiError } from '../lib/api.ts'
import { ErrorBox } from './error-box.tsx'
import { Icon } from './icons.tsx'

export function Dialog(props: {
  title: JSX.Element
  onClose: () => void
  children: JSX.Element
  footer?: JSX.Element
  wide?: boolean
  label?: string
}) {
  let ref!: HTMLDialogElement
  const titleId = createUniqueId()
  onMount(() => ref.showModal())
  return (
    <dialog
      ref={ref}
      class={props.wide ? 'wide' : ''}
      aria-label={props.label}
      aria-labelledby={props.label ? undefined : titleId}
      onCancel={(event) => {
        event.preventDefault()
        props.onClose()
      }}
      onClick={(event) => event.target === ref && props.onClose()}
    >
      <header>
        <h2 class="grow" id={titleId}>{props.title}</h2>
        <button class="btn ghost icon" aria-label="Close" onClick={() => props.onClose()}>
          <Icon name="close" />
        </button>
      </header>
      <div class="dialog-body">{props.children}</div>
      {props.footer && <footer>{props.footer}</footer>}
    </dialog>
  )
}

/**
 * A form in a dialog: Enter or Ctrl+Enter (or the button) submits once the browser's own checks
 * pass; `onSubmit` answers the hub's error, shown under the form, or null (the caller closes it).
 */
export function FormDialog(props: {
  title: string
  submitLabel: string
  onSubmit: () => Promise<ApiError | null>
  onClose: () => void
  children: JSX.Element
  wide?: boolean
  /** The form's layout class ('stack' by default). */
  layout?: string
}) {
  const [error, setError] = createSignal<ApiError | null>(null)
  const [busy, setBusy] = createSignal(false)
  let form!: HTMLFormElement
  const submit = async (event?: Event) => {
    event?.preventDefault()
    if (busy() || !form.reportValidity()) return
    setBusy(true)
    const failure = await props.onSubmit()
    setBusy(false)
    setError(failure)
  }
  return (
    <Dialog
      title={props.title}
      wide={props.wide}
      onClose={props.onClose}
      footer={
        <>
          <span class="muted grow">
            <kbd>Ctrl</kbd> <kbd>↵</kbd> submits
          </span>
          <button class="btn" onClick={() => props.onClose()}>Cancel</button>
          <button class="btn primary" disabled={busy()} onClick={() => void submit()}>
            {busy() ? 'Working…' : props.submitLabel}
          </button>
        </>
      }
    >
      <form ref={form} class={props.layout ?? 'stack'} aria-label={props.title} onSubmit={submit} onKeyDown={(e) => (e.ctrlKey || e.metaKey) && e.key === 'Enter' && void submit(e)}>
        {props.children}
        <button type="submit" hidden />
      </form>
      <Show when={error()}>
        <ErrorBox error={error()!} />
      </Show>
    </Dialog>
  )
}

/** Asks before something that cannot be undone. */
export function ConfirmDialog(props: { title: string; body: JSX.Element; confirm: string; danger?: boolean; onConfirm: () => void; onClose: () => void }) {
  return (
    <Dialog
      title={props.title}
      onClose={props.onClose}
      footer={
        <>
          <button class="btn" onClick={() => props.onClose()}>Cancel</button>
          <button class={`btn ${props.danger ? 'danger solid' : 'primary'}`} autofocus onClick={() => props.onConfirm()}>
            {props.confirm}
          </button>
        </>
      }
    >
      {props.body}
    </Dialog>
  )
}
