// The grid for rows of data (table rows, SQL results): TanStack Table for the column model, sorting
// state and resizable widths, TanStack Virtual so that ten thousand rows cost a screenful. Sorting
// is the caller's (PostgreSQL orders rows, never this grid). Keyboard: ↑/↓ select, Enter opens.
import { createSolidTable, getCoreRowModel, type ColumnDef, type SortingState } from '@tanstack/solid-table'
import { createVirtualizer } from '@tanstack/solid-virtual'
import { createEffect, createMemo, For, Show, untrack, type JSX } from 'solid-js'
import { formatValue } from '../lib/format.ts'

export interface GridColumn {
  id: string
  header: string
  /** A second header line, e.g. the column's type. */
  sub?: string
  /** Marks a key column in the header. */
  key?: boolean
  sortable?: boolean
  width?: number
}

export type GridRow = Record<string, unknown> | unknown[]

const ROW_HEIGHT = 32

export function DataGrid(props: {
  columns: GridColumn[]
  rows: GridRow[]
  label: string
  /** How cells are read: by column id (objects) or by position (arrays). */
  cellOf?: (row: GridRow, column: GridColumn, index: number) => unknown
  sorting?: SortingState
  onSort?: (sorting: SortingState) => void
  selected?: number | null
  onSelect?: (index: number) => void
  onActivate?: (index: number) => void
  empty?: JSX.Element
  /** Rows fade while a new page loads, without the grid changing size. */
  loading?: boolean
}) {
  let scroller!: HTMLDivElement
  const cellOf = (row: GridRow, column: GridColumn, index: number) =>
    props.cellOf ? props.cellOf(row, column, index) : Array.isArray(row) ? row[index] : (row as Record<string, unknown>)[column.id]

  // Widths are set when the columns change (from the rows there are then), never while rows
  // arrive, so a live grid does not shift under the reader.
  const columnDefs = createMemo<ColumnDef<GridRow>[]>(() => {
    const sample = untrack(() => props.rows.slice(0, 50))
    return props.columns.map((column, index) => ({
      id: column.id,
      header: column.header,
      accessorFn: (row: GridRow) => cellOf(row, column, index),
      enableSorting: column.sortable !== false && !!props.onSort,
      size: column.width ?? fitWidth(column, sample.map((row) => cellOf(row, column, index))),
      minSize: 60,
      maxSize: 1200,
      meta: column,
    }))
  })
  const table = createSolidTable({
    get data() {
      return props.rows
    },
    get columns() {
      return columnDefs()
    },
    getCoreRowModel: getCoreRowModel(),
    manualSorting: true,
    // ascending, then descending, then unsorted, whatever the column's type
    sortDescFirst: false,
    enableMultiSort: true,
    isMultiSortEvent: (event) => (event as MouseEvent).shiftKey,
    enableColumnResizing: true,
    columnResizeMode: 'onChange',
    state: {
      get sorting() {
        return props.sorting ?? []
      },
    },
    onSortingChange: (updater) => props.onSort?.(typeof updater === 'function' ? updater(props.sorting ?? []) : updater),
  })

  const virtualizer = createVirtualizer({
    get count() {
      return props.rows.length
    },
    getScrollElement: () => scroller,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  })
  createEffect(() => {
    const index = props.selected
    if (index != null && index >= 0) virtualizer.scrollToIndex(index, { align: 'auto' })
  })

  const items = () => virtualizer.getVirtualItems()
  const padTop = () => items()[0]?.start ?? 0
  const padBottom = () => {
    const list = items()
    const last = list[list.length - 1]
    return last ? virtualizer.getTotalSize() - last.end : 0
  }
  const onKeyDown = (event: KeyboardEvent) => {
    const count = props.rows.length
    if (!count || !props.onSelect) return
    const at = props.selected ?? -1
    if (event.key === 'ArrowDown' || event.key === 'j') props.onSelect(Math.min(count - 1, at + 1))
    else if (event.key === 'ArrowUp' || event.key === 'k') props.onSelect(Math.max(0, at - 1))
    else if (event.key === 'Home') props.onSelect(0)
    else if (event.key === 'End') props.onSelect(count - 1)
    else if (event.key === 'Enter' && at >= 0) props.onActivate?.(at)
    else return
    event.preventDefault()
  }

  return (
    <div class="grid-wrap" ref={scroller} tabindex="0" onKeyDown={onKeyDown} aria-label={props.label} role="region">
      <table class="data clickable" style={{ width: `${table.getTotalSize()}px`, 'table-layout': 'fixed', opacity: props.loading ? 0.55 : 1 }} aria-rowcount={props.rows.length}>
        <colgroup>
          <For each={table.getVisibleLeafColumns()}>{(column) => <col style={{ width: `${column.getSize()}px` }} />}</For>
        </colgroup>
        <thead>
          <For each={table.getHeaderGroups()}>
            {(group) => (
              <tr>
                <For each={group.headers}>
                  {(header) => {
                    const meta = header.column.columnDef.meta as GridColumn
                    const sorted = () => header.column.getIsSorted()
                    return (
                      <th
                        classList={{ sortable: header.column.getCanSort() }}
                        style={{ position: 'sticky', height: meta.sub ? '44px' : '32px' }}
                        onClick={header.column.getToggleSortingHandler()}
                        aria-sort={sorted() === 'asc' ? 'ascending' : sorted() === 'desc' ? 'descending' : 'none'}
                        title={header.column.getCanSort() ? 'Sort (Shift+click to add)' : undefined}
                      >
                        <div class="row" style={{ gap: '4px' }}>
                          <span class="ellipsis" style={{ color: 'var(--text)' }}>{meta.header}</span>
                          <Show when={meta.key}>
                            <span class="badge info" style={{ height: '16px', 'font-size': '10px', padding: '0 5px' }}>key</span>
                          </Show>
                          <Show when={sorted()}>
                            <span class="sort-mark">{sorted() === 'asc' ? '▲' : '▼'}</span>
                          </Show>
                        </div>
                        <Show when={meta.sub}>
                          <div class="faint ellipsis" style={{ 'font-weight': 400, 'font-size': '11px', 'line-height': '13px' }}>{meta.sub}</div>
                        </Show>
                        <div
                          class="resizer"
                          onMouseDown={header.getResizeHandler()}
                          onClick={(e) => e.stopPropagation()}
                          onDblClick={() => header.column.resetSize()}
                          aria-hidden="true"
                        />
                      </th>
                    )
                  }}
                </For>
              </tr>
            )}
          </For>
        </thead>
        <tbody>
          <Show when={padTop() > 0}>
            <tr style={{ height: `${padTop()}px` }} aria-hidden="true" />
          </Show>
          <For each={items()}>
            {(item) => {
              const row = () => table.getRowModel().rows[item.index]
              return (
                <Show when={row()}>
                  <tr
                    classList={{ selected: props.selected === item.index }}
                    aria-rowindex={item.index + 1}
                    aria-selected={props.selected === item.index}
                    onClick={() => props.onSelect?.(item.index)}
                    onDblClick={() => props.onActivate?.(item.index)}
                  >
                    <For each={row()!.getVisibleCells()}>
                      {(cell) => {
                        const value = () => cell.getValue()
                        return (
                          <td classList={{ null: value() === null || value() === undefined }} title={cellTitle(value())}>
                            {formatValue(value())}
                          </td>
                        )
                      }}
                    </For>
                  </tr>
                </Show>
              )
            }}
          </For>
          <Show when={padBottom() > 0}>
            <tr style={{ height: `${padBottom()}px` }} aria-hidden="true" />
          </Show>
        </tbody>
      </table>
      <Show when={!props.rows.length && props.empty}>{props.empty}</Show>
    </div>
  )
}

/** Room for the header and the longest of the sampled values (about 8 px a character at 13 px). */
function fitWidth(column: GridColumn, values: unknown[]): number {
  const longest = Math.max(column.header.length + (column.key ? 5 : 0), (column.sub ?? '').length * 0.85, ...values.map((v) => Math.min(60, formatValue(v).length)))
  return Math.round(Math.min(460, Math.max(80, longest * 8.2 + 36)))
}

function cellTitle(value: unknown): string | undefined {
  const text = formatValue(value)
  return text.length > 40 ? text.slice(0, 2000) : undefined
}
