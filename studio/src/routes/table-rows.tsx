// A table's rows through /rest/v1: filters, sorting (by PostgreSQL), pages of 100 with the total,
// and insert / edit / delete of single rows picked by their primary key.
import type { SortingState } from '@tanstack/solid-table'
import { createEffect, createMemo, createSignal, For, on, Show } from 'solid-js'
import { DataGrid, type GridColumn } from '../components/data-grid.tsx'
import { ConfirmDialog } from '../components/dialog.tsx'
import { ErrorBox } from '../components/error-box.tsx'
import { Icon } from '../components/icons.tsx'
import { RowEditor } from '../components/row-editor.tsx'
import { toast, toastError } from '../components/toast.tsx'
import { formatCount, formatValue } from '../lib/format.ts'
import { useShortcuts } from '../lib/keyboard.ts'
import { deleteRow, FILTER_OPS, insertRow, readRows, updateRow, type FilterOp, type RowFilter } from '../lib/rest-rows.ts'
import { apiResource } from '../lib/resource.ts'
import { api } from '../lib/session.ts'
import type { TableDetail } from '../stores/tables-types.ts'

const PAGE = 100

export function TableRows(props: { table: TableDetail; onChanged: () => void }) {
  const target = () => ({ schema: props.table.schema, table: props.table.name })
  const [draft, setDraft] = createSignal<RowFilter[]>([])
  const [filters, setFilters] = createSignal<RowFilter[]>([])
  const [sorting, setSorting] = createSignal<SortingState>([])
  const [offset, setOffset] = createSignal(0)
  const [version, setVersion] = createSignal(0)
  const [selected, setSelected] = createSignal<number | null>(null)
  const [editing, setEditing] = createSignal<{ mode: 'insert' } | { mode: 'edit'; row: Record<string, unknown> } | null>(null)
  const [deleting, setDeleting] = createSignal<Record<string, unknown> | null>(null)

  // A new table starts from a clean slate.
  createEffect(
    on(
      () => `${props.table.schema}.${props.table.name}`,
      () => {
        setDraft([])
        setFilters([])
        setSorting([])
        setOffset(0)
        setSelected(null)
      },
    ),
  )

  const key = () => props.table.primary_key
  const editable = () => props.table.exposed && key().length > 0 && props.table.kind !== 'materialized_view'
  const request = createMemo(() => ({
    ...target(),
    filters: filters(),
    order: sorting().map((s) => ({ column: s.id, ascending: !s.desc })),
    offset: offset(),
    version: version(),
  }))
  const page = apiResource(
    () => (props.table.exposed ? request() : false),
    (r) => {
      const order = r.order.length ? r.order : key().map((column) => ({ column, ascending: true }))
      return readRows(api, r, { filters: r.filters, order, offset: r.offset, limit: PAGE, exactCount: props.table.rows_exact })
    },
  )
  const rows = () => page()?.rows ?? []
  const total = () => page()?.total ?? null

  const columns = createMemo<GridColumn[]>(() =>
    props.table.columns.map((c) => ({ id: c.name, header: c.name, sub: c.type, key: c.primary_key, width: widthFor(c.type, c.name) })),
  )

  const keyOf = (row: Record<string, unknown>) => Object.fromEntries(key().map((column) => [column, formatValue(row[column])]))
  const selectedRow = () => {
    const index = selected()
    return index === null ? null : (rows()[index] ?? null)
  }

  const applyFilters = () => {
    setFilters(draft().filter((f) => f.column && (f.value !== '' || f.op === 'is')))
    setOffset(0)
    setSelected(null)
  }
  const addFilter = () => setDraft((list) => [...list, { column: props.table.columns[0]?.name ?? '', op: 'eq' as FilterOp, value: '' }])
  const refresh = () => setVersion((v) => v + 1)
  const afterWrite = (message: string) => {
    toast('ok', message)
    refresh()
    props.onChanged()
  }
  const edit = (index: number) => {
    const row = rows()[index]
    if (row && editable()) setEditing({ mode: 'edit', row })
  }

  useShortcuts([
    { keys: 'n', description: 'Insert a row', run: () => editable() && setEditing({ mode: 'insert' }) },
    { keys: 'f', description: 'Add a filter', run: addFilter },
    { keys: 'r', description: 'Reload the rows', run: refresh },
    { keys: 'e', description: 'Edit the selected row', run: () => selected() !== null && edit(selected()!) },
    { keys: 'delete', description: 'Delete the selected row', run: () => editable() && selectedRow() && setDeleting(selectedRow()) },
    { keys: ']', description: 'Next page', run: () => hasNext() && setOffset(offset() + PAGE) },
    { keys: '[', description: 'Previous page', run: () => offset() > 0 && setOffset(Math.max(0, offset() - PAGE)) },
  ])
  const hasNext = () => (total() === null ? rows().length === PAGE : offset() + PAGE < total()!)

  return (
    <>
      <Show when={!props.table.exposed}>
        <div class="callout info" style={{ margin: '12px 20px' }}>
          The schema <code>{props.table.schema}</code> is not exposed by <code>/rest/v1</code> (<code>PGSTACK_REST_SCHEMAS</code>): browse it in the SQL editor.
        </div>
      </Show>
      <Show when={props.table.exposed}>
        <div class="toolbar">
          <button class="btn" onClick={addFilter} title="Add a filter (F)">
            <Icon name="search" /> Filter
          </button>
          <Show when={editable()}>
            <button class="btn primary" onClick={() => setEditing({ mode: 'insert' })} title="Insert a row (N)">
              <Icon name="plus" /> Insert row
            </button>
            <button class="btn" disabled={selected() === null} onClick={() => edit(selected()!)} title="Edit the selected row (E or Enter)">
              <Icon name="edit" /> Edit
            </button>
            <button class="btn danger" disabled={selected() === null} onClick={() => setDeleting(selectedRow())} title="Delete the selected row (Delete)">
              <Icon name="trash" /> Delete
            </button>
          </Show>
          <Show when={!editable()}>
            <span class="muted">{key().length ? 'Read-only.' : 'No primary key: rows cannot be picked out one by one, so editing is off.'}</span>
          </Show>
          <span class="spacer" />
          <button class="btn ghost" onClick={refresh} title="Reload (R)">
            <Icon name="refresh" />
          </button>
        </div>
        <Show when={draft().length}>
          <form
            class="stack"
            style={{ padding: '10px 20px', gap: '6px', 'border-bottom': '1px solid var(--border)', background: 'var(--panel)' }}
            onSubmit={(e) => {
              e.preventDefault()
              applyFilters()
            }}
            aria-label="Filters"
          >
            <For each={draft()}>
              {(filter, i) => {
                const set = (change: Partial<RowFilter>) => setDraft((list) => list.map((f, j) => (j === i() ? { ...f, ...change } : f)))
                return (
                  <div class="filter-row">
                    <span class="muted" style={{ width: '40px' }}>{i() === 0 ? 'where' : 'and'}</span>
                    <select aria-label="Column" value={filter.column} onChange={(e) => set({ column: e.currentTarget.value })}>
                      <For each={props.table.columns}>{(c) => <option value={c.name}>{c.name}</option>}</For>
                    </select>
                    <select aria-label="Operator" value={filter.op} onChange={(e) => set({ op: e.currentTarget.value as FilterOp })}>
                      <For each={FILTER_OPS}>{(o) => <option value={o.op}>{o.label}</option>}</For>
                    </select>
                    <input
                      aria-label="Value"
                      value={filter.value}
                      placeholder={filter.op === 'in' ? 'a, b, c' : filter.op === 'is' ? 'null, true, false' : filter.op.endsWith('like') ? '%text%' : 'value'}
                      onInput={(e) => set({ value: e.currentTarget.value })}
                      style={{ width: '260px' }}
                      autofocus
                    />
                    <button type="button" class="btn ghost icon" aria-label="Remove filter" onClick={() => setDraft((list) => list.filter((_, j) => j !== i()))}>
                      <Icon name="close" />
                    </button>
                  </div>
                )
              }}
            </For>
            <div class="row">
              <button class="btn primary small" type="submit">Apply filters</button>
              <button
                class="btn ghost small"
                type="button"
                onClick={() => {
                  setDraft([])
                  applyFilters()
                }}
              >
                Clear
              </button>
            </div>
          </form>
        </Show>
        <Show when={page.error()}>
          <div style={{ padding: '12px 20px' }}>
            <ErrorBox error={page.error()!} />
          </div>
        </Show>
        <DataGrid
          label={`Rows of ${props.table.schema}.${props.table.name}`}
          columns={columns()}
          rows={rows()}
          loading={page.loading()}
          sorting={sorting()}
          onSort={(next) => {
            setSorting(next)
            setOffset(0)
          }}
          selected={selected()}
          onSelect={setSelected}
          onActivate={edit}
          empty={
            <Show when={!page.loading() && !page.error()}>
              <div class="empty">
                <strong>{filters().length ? 'No rows match the filters' : 'No rows yet'}</strong>
                <Show when={editable() && !filters().length}>
                  <button class="btn primary" onClick={() => setEditing({ mode: 'insert' })}>Insert the first row</button>
                </Show>
              </div>
            </Show>
          }
        />
        <div class="pager">
          <span class="muted num" style={{ 'text-align': 'left', width: '260px' }}>
            <Show when={rows().length} fallback="0 rows">
              Rows {formatCount(offset() + 1)}–{formatCount(offset() + rows().length)} of {total() === null ? 'many' : `${props.table.rows_exact ? '' : '~'}${formatCount(total())}`}
            </Show>
          </span>
          <span class="spacer" />
          <button class="btn small" disabled={offset() === 0} onClick={() => setOffset(Math.max(0, offset() - PAGE))} title="Previous page ([)">
            ← Previous
          </button>
          <button class="btn small" disabled={!hasNext()} onClick={() => setOffset(offset() + PAGE)} title="Next page (])">
            Next →
          </button>
        </div>
      </Show>
      <Show when={editing()}>
        {(state) => (
          <RowEditor
            mode={state().mode}
            title={state().mode === 'insert' ? `Insert into ${props.table.schema}.${props.table.name}` : `Edit row of ${props.table.schema}.${props.table.name}`}
            columns={props.table.columns}
            row={state().mode === 'edit' ? (state() as { row: Record<string, unknown> }).row : undefined}
            onClose={() => setEditing(null)}
            onSave={async (values) => {
              const current = state()
              const result = current.mode === 'insert' ? await insertRow(api, target(), values) : await updateRow(api, target(), keyOf(current.row), values)
              if (result.error) return result.error
              afterWrite(current.mode === 'insert' ? 'Row inserted.' : 'Row saved.')
              return null
            }}
          />
        )}
      </Show>
      <Show when={deleting()}>
        {(row) => (
          <ConfirmDialog
            title="Delete this row?"
            danger
            confirm="Delete row"
            body={
              <p>
                The row with {Object.entries(keyOf(row())).map(([k, v]) => `${k} = ${v}`).join(', ')} is deleted from {props.table.schema}.{props.table.name}. This cannot be undone.
              </p>
            }
            onClose={() => setDeleting(null)}
            onConfirm={async () => {
              const result = await deleteRow(api, target(), keyOf(row()))
              setDeleting(null)
              if (result.error) return toastError(result.error, 'Delete failed')
              setSelected(null)
              afterWrite('Row deleted.')
            }}
          />
        )}
      </Show>
    </>
  )
}

/** A starting width from the type: narrow for numbers and booleans, wide for text and JSON. */
function widthFor(type: string, name: string): number {
  const byName = name.length * 8 + 48
  if (/^(smallint|integer|bigint|boolean|real|double precision|oid)$/.test(type)) return Math.max(90, Math.min(160, byName))
  if (/^(uuid)$/.test(type)) return 300
  if (/timestamp/.test(type)) return 230
  if (/json|text|character/.test(type)) return Math.max(200, byName)
  return Math.max(130, Math.min(260, byName))
}
