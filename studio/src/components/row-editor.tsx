// The form that inserts or edits one row: a field per column, typed by its PostgreSQL type; empty
// means the column's default on insert, NULL is a checkbox, JSON and arrays are JSON text. Only
// changed fields are sent on edit. Values are sent as text (PostgreSQL parses them), so bigint and
// numeric digits survive.
import { For, Show } from 'solid-js'
import { createStore } from 'solid-js/store'
import type { ApiError } from '../lib/api.ts'
import { formatValue, stringifyValue } from '../lib/format.ts'
import type { Column } from '../stores/tables-types.ts'
import { FormDialog } from './dialog.tsx'

interface FieldState {
  text: string
  isNull: boolean
  /** Left empty on insert: the column's default applies. */
  touched: boolean
}

const isJson = (type: string) => type === 'json' || type === 'jsonb'
const isArray = (type: string) => type.endsWith('[]')
const isBool = (type: string) => type === 'boolean'

function initialText(column: Column, value: unknown): string {
  if (value === null || value === undefined) return ''
  if (isJson(column.type) || isArray(column.type)) return stringifyValue(value)
  return formatValue(value)
}

/** The JSON value the field sends: JSON columns parsed, everything else PostgreSQL's text. */
function fieldValue(column: Column, state: FieldState): unknown {
  if (state.isNull) return null
  if (isJson(column.type) || (isArray(column.type) && state.text.trim().startsWith('['))) return JSON.parse(state.text)
  return state.text
}

export function RowEditor(props: {
  mode: 'insert' | 'edit'
  title: string
  columns: Column[]
  row?: Record<string, unknown>
  onSave: (values: Record<string, unknown>) => Promise<ApiError | null>
  onClose: () => void
}) {
  const initial: Record<string, FieldState> = {}
  for (const column of props.columns) {
    const value = props.row?.[column.name]
    initial[column.name] = { text: initialText(column, value), isNull: props.mode === 'edit' && value === null, touched: false }
  }
  const [fields, setFields] = createStore(initial)
  const update = (name: string, change: Partial<FieldState>) => setFields(name, { ...change, touched: true })

  const readOnly = (column: Column) => column.generated || column.identity === 'always'

  const save = async (): Promise<ApiError | null> => {
    const values: Record<string, unknown> = {}
    try {
      for (const column of props.columns) {
        const state = fields[column.name]!
        if (readOnly(column) || !state.touched) continue
        if (props.mode === 'insert' && !state.isNull && state.text === '' && (column.default !== null || column.identity)) continue
        values[column.name] = fieldValue(column, state)
      }
    } catch (e) {
      return { status: 0, code: 'STUDIO', message: `Not valid JSON: ${(e as Error).message}`, details: null, hint: null }
    }
    if (props.mode === 'edit' && !Object.keys(values).length) {
      props.onClose()
      return null
    }
    const failure = await props.onSave(values)
    if (!failure) props.onClose()
    return failure
  }

  return (
    <FormDialog title={props.title} wide layout="form-grid" submitLabel={props.mode === 'insert' ? 'Insert row' : 'Save changes'} onSubmit={save} onClose={props.onClose}>
        <For each={props.columns}>
          {(column) => {
            const state = fields[column.name]!
            const placeholder = () => (props.mode === 'insert' && (column.default !== null || column.identity) ? `default: ${column.default ?? 'identity'}` : column.nullable ? 'empty text (tick NULL for null)' : '')
            return (
              <>
                <label class="label" for={`field-${column.name}`}>
                  <strong>{column.name}</strong>
                  <Show when={column.primary_key}> <span class="badge info" style={{ height: '16px', 'font-size': '10px' }}>key</span></Show>
                  <span class="type">
                    {column.type}
                    {column.nullable ? '' : ' · not null'}
                  </span>
                </label>
                <div class="value">
                  <Show
                    when={isBool(column.type)}
                    fallback={
                      <Show
                        when={isJson(column.type) || isArray(column.type) || column.type === 'text'}
                        fallback={
                          <input
                            id={`field-${column.name}`}
                            name={column.name}
                            value={state.text}
                            disabled={readOnly(column) || state.isNull}
                            placeholder={placeholder()}
                            onInput={(e) => update(column.name, { text: e.currentTarget.value })}
                          />
                        }
                      >
                        <textarea
                          id={`field-${column.name}`}
                          name={column.name}
                          rows={isJson(column.type) ? 4 : 2}
                          disabled={readOnly(column) || state.isNull}
                          placeholder={placeholder()}
                          value={state.text}
                          onInput={(e) => update(column.name, { text: e.currentTarget.value })}
                        />
                      </Show>
                    }
                  >
                    <select id={`field-${column.name}`} name={column.name} disabled={readOnly(column) || state.isNull} onChange={(e) => update(column.name, { text: e.currentTarget.value })}>
                      <Show when={props.mode === 'insert'}>
                        <option value="" selected={state.text === ''}>{column.default !== null ? `default (${column.default})` : '—'}</option>
                      </Show>
                      <option value="true" selected={state.text === 'true'}>true</option>
                      <option value="false" selected={state.text === 'false'}>false</option>
                    </select>
                  </Show>
                  <div class="row muted" style={{ 'font-size': '12px' }}>
                    <Show when={column.nullable && !readOnly(column)}>
                      <label class="check">
                        <input type="checkbox" checked={state.isNull} onChange={(e) => update(column.name, { isNull: e.currentTarget.checked })} /> NULL
                      </label>
                    </Show>
                    <Show when={readOnly(column)}>
                      <span>{column.generated ? 'generated column' : 'identity (always)'}: set by PostgreSQL</span>
                    </Show>
                  </div>
                </div>
              </>
            )
          }}
        </For>
    </FormDialog>
  )
}
