// An API error as a user reads it: message, then details and hint, then the code for searching.
import { Show } from 'solid-js'
import type { ApiError } from '../lib/api.ts'
import { Icon } from './icons.tsx'

export function ErrorBox(props: { error: ApiError; title?: string }) {
  return (
    <div class="callout danger" role="alert">
      <Icon name="alert" style={{ width: '16px', height: '16px', color: 'var(--danger)', flex: 'none', 'margin-top': '2px' }} />
      <div class="grow">
        <strong>{props.title ?? props.error.message}</strong>
        <Show when={props.title}>
          <p>{props.error.message}</p>
        </Show>
        <Show when={props.error.details}>
          <p class="muted">{props.error.details}</p>
        </Show>
        <Show when={props.error.hint}>
          <p class="muted">Hint: {props.error.hint}</p>
        </Show>
        <p class="faint mono" style={{ 'font-size': '11px' }}>
          {props.error.code}
          {props.error.status ? ` · HTTP ${props.error.status}` : ''}
        </p>
      </div>
    </div>
  )
}
