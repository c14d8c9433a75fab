// A modal on the native <dialog>: focus is trapped and Esc closes it, for free and for keyboards.
import { createUniqueId, onMount, type JSX } from 'solid-js'
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
