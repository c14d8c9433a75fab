// A virtualised list of fixed-height grid rows (TanStack Virtual): only the rows in view are in
// the DOM, so thousands of live rows cost what a screenful does. Fixed heights: nothing jumps.
import { createVirtualizer } from '@tanstack/solid-virtual'
import { For, Index, type JSX } from 'solid-js'

export interface VirtualColumn<T> {
  id: string
  header: JSX.Element
  /** A CSS grid track, e.g. '90px' or 'minmax(200px, 1fr)'. */
  width: string
  cell: (row: T) => JSX.Element
  class?: string
}

export function VirtualRows<T>(props: {
  rows: T[]
  columns: VirtualColumn<T>[]
  rowKey: (row: T) => string
  selected?: string | null
  onSelect?: (row: T, index: number) => void
  label: string
  rowHeight?: number
  ref?: (api: { scrollToIndex(index: number): void }) => void
}) {
  let scroller!: HTMLDivElement
  const height = () => props.rowHeight ?? 32
  const template = () => props.columns.map((c) => c.width).join(' ')
  const virtualizer = createVirtualizer({
    get count() {
      return props.rows.length
    },
    getScrollElement: () => scroller,
    estimateSize: () => height(),
    overscan: 8,
  })
  props.ref?.({ scrollToIndex: (index) => virtualizer.scrollToIndex(index, { align: 'auto' }) })

  return (
    <div class="vgrid" ref={scroller} role="grid" aria-label={props.label} aria-rowcount={props.rows.length}>
      <div class="vgrid-head" role="row" style={{ 'grid-template-columns': template() }}>
        <For each={props.columns}>{(c) => <div role="columnheader" class={c.class}>{c.header}</div>}</For>
      </div>
      <div style={{ height: `${virtualizer.getTotalSize()}px`, position: 'relative' }}>
        {/* Index, not For: the row elements are reused while scrolling, only their content changes. */}
        <Index each={virtualizer.getVirtualItems()}>
          {(item) => {
            const row = () => props.rows[item().index]!
            const key = () => props.rowKey(row())
            const selected = () => props.selected != null && key() === props.selected
            return (
              <div
                class="vgrid-row"
                classList={{ selected: selected() }}
                role="row"
                aria-rowindex={item().index + 1}
                aria-selected={selected()}
                data-key={key()}
                style={{ transform: `translateY(${item().start}px)`, 'grid-template-columns': template(), height: `${height()}px` }}
                onClick={() => props.onSelect?.(row(), item().index)}
              >
                <For each={props.columns}>{(c) => <div role="gridcell" class={c.class}>{c.cell(row())}</div>}</For>
              </div>
            )
          }}
        </Index>
      </div>
    </div>
  )
}
