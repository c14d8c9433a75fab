// The live inspector (the Studio's home): every live-query actor of the hub, updating from the
// introspection stream; totals, charts of deltas/s and latency, and the selected actor's detail.
import { createMemo, createSignal, onCleanup, onMount, Show } from 'solid-js'
import { TimeChart } from '../components/chart.tsx'
import { Icon } from '../components/icons.tsx'
import { PageHead } from '../components/shell.tsx'
import { VirtualRows, type VirtualColumn } from '../components/virtual-rows.tsx'
import { ActorDetail } from './inspector-detail.tsx'
import { formatCount, formatMs, formatRate, formatTime } from '../lib/format.ts'
import { useShortcuts } from '../lib/keyboard.ts'
import { createInspectorStore, type ActorRow } from '../stores/inspector.ts'

export function stateTone(state: string): string {
  switch (state) {
    case 'live':
      return 'ok'
    case 'lagging':
    case 'resyncing':
      return 'warn'
    case 'closed':
    case 'failed':
      return 'danger'
    default:
      return 'info'
  }
}

export default function Inspector() {
  const store = createInspectorStore()
  onMount(() => store.start())
  onCleanup(() => store.stop())

  const [filter, setFilter] = createSignal('')
  const selected = store.watched
  const setSelected = (id: string | null) => store.watch(id)
  let filterInput!: HTMLInputElement
  let list: { scrollToIndex(index: number): void } | undefined

  const rows = createMemo(() => {
    const needle = filter().trim().toLowerCase()
    const all = store.list.rows
    if (!needle) return all
    return all.filter((r) => r.id === needle || r.query.toLowerCase().includes(needle) || r.role.toLowerCase().includes(needle) || (r.subject ?? '').toLowerCase().includes(needle) || r.state === needle)
  })
  const selectedRow = createMemo(() => store.list.rows.find((r) => r.id === selected()) ?? null)
  /** The last second's figures, from the series' newest point. */
  const lastPoint = createMemo(() => {
    store.seriesVersion()
    const n = store.series[0].length
    return n ? { deltas: store.series[1][n - 1]!, p50: store.series[2][n - 1] ?? null, p99: store.series[3][n - 1] ?? null } : null
  })

  const move = (by: number) => {
    const list_ = rows()
    if (!list_.length) return
    const at = list_.findIndex((r) => r.id === selected())
    const next = Math.max(0, Math.min(list_.length - 1, at === -1 ? 0 : at + by))
    setSelected(list_[next]!.id)
    list?.scrollToIndex(next)
  }
  useShortcuts([
    { keys: '/', description: 'Filter actors', run: () => filterInput.focus() },
    { keys: 'j', description: 'Next actor', run: () => move(1) },
    { keys: 'k', description: 'Previous actor', run: () => move(-1) },
    { keys: 'arrowdown', description: 'Next actor', run: () => move(1) },
    { keys: 'arrowup', description: 'Previous actor', run: () => move(-1) },
    { keys: 'escape', description: 'Close the actor’s detail', run: () => setSelected(null) },
  ])

  const allColumns: VirtualColumn<ActorRow>[] = [
    {
      id: 'state',
      header: 'State',
      width: '112px',
      cell: (r) => (
        <span class="row" style={{ gap: '6px' }}>
          <span class={`dot ${stateTone(r.state)}`} />
          {r.state}
        </span>
      ),
    },
    {
      id: 'query',
      header: 'Query',
      width: 'minmax(180px, 1fr)',
      cell: (r) => (
        <span class="mono" title={r.query}>
          {r.query}
          <Show when={r.params.length}>
            <span class="faint">({r.params.map((p) => JSON.stringify(p)).join(', ')})</span>
          </Show>
        </span>
      ),
    },
    { id: 'context', header: 'Security context', width: 'minmax(110px, 200px)', cell: (r) => <span title={r.subject ?? r.role}>{r.role}{r.subject ? ` · ${r.subject}` : ''}</span> },
    { id: 'subs', header: 'Subscribers', width: '104px', class: 'num', cell: (r) => formatCount(r.subscribers) },
    { id: 'rate', header: 'Deltas/s', width: '84px', class: 'num', cell: (r) => formatRate(r.deltasPerSecond) },
    { id: 'seq', header: 'Last seq', width: '90px', class: 'num', cell: (r) => formatCount(r.lastSeq) },
    { id: 'lag', header: 'Lag', width: '84px', class: 'num', cell: (r) => formatMs(r.lagMs) },
  ]
  // With the detail open the list keeps what fits at 1280 px; the rest is in the detail.
  const columns = createMemo(() => (selectedRow() ? allColumns.filter((c) => c.id !== 'context' && c.id !== 'seq') : allColumns))

  return (
    <>
      <PageHead title="Live inspector">
        <span class="muted num" style={{ width: '150px' }}>
          <Show when={store.lastAt()} fallback="waiting for the hub…">
            updated {formatTime(store.lastAt())}
          </Show>
        </span>
        <span class={`badge ${store.status() === 'open' ? 'ok' : store.status() === 'refused' ? 'danger' : 'warn'}`} title={store.statusDetail() ?? ''}>
          <span class={`dot ${store.status() === 'open' ? 'ok' : 'warn'}`} />
          {store.status() === 'open' ? 'streaming' : store.status()}
        </span>
      </PageHead>
      <div class="page-body flush">
        <div class="stat-strip">
          <Stat label="Actors" value={formatCount(store.list.rows.length)} />
          <Stat label="Live subscriptions" value={formatCount(store.totals().subscriptions.live ?? 0)} />
          <Stat label="Sockets" value={formatCount(store.totals().sockets)} />
          <Stat label="Deltas (last second)" value={formatCount(lastPoint()?.deltas ?? 0)} />
          <Stat label="Latency p50 / p99" value={lastPoint()?.p50 != null ? `${formatMs(lastPoint()!.p50).replace(' ms', '')} / ${formatMs(lastPoint()!.p99)}` : '—'} />
        </div>
        <div class="charts">
          <div class="chart">
            <div class="chart-title">Deltas per second <span class="faint">last 10 min</span></div>
            <TimeChart data={[store.series[0], store.series[1]]} version={store.seriesVersion()} series={[{ label: 'deltas/s', color: '--chart-1', format: (v) => formatRate(v) }]} />
          </div>
          <div class="chart">
            <div class="chart-title">
              {store.latencyFrom() === 'commit' ? 'Commit → delivery latency' : 'Notification → delivery latency'} <span class="faint">p50 and p99 per second</span>
            </div>
            <TimeChart
              data={[store.series[0], store.series[2], store.series[3]]}
              version={store.seriesVersion()}
              minMax={5}
              series={[
                { label: 'p50', color: '--chart-1', format: (v) => `${Math.round(v)} ms` },
                { label: 'p99', color: '--chart-2', format: (v) => `${Math.round(v)} ms` },
              ]}
            />
          </div>
        </div>
        <div class="toolbar">
          <div class="row grow">
            <Icon name="search" style={{ width: '15px', height: '15px', color: 'var(--faint)' }} />
            <input ref={filterInput} type="search" placeholder="Filter by query, role, user or state   ( / )" value={filter()} onInput={(e) => setFilter(e.currentTarget.value)} style={{ width: '360px' }} aria-label="Filter actors" />
            <span class="muted num">{formatCount(rows().length)} shown</span>
          </div>
          <span class="muted">
            <kbd>J</kbd> <kbd>K</kbd> to move, <kbd>Esc</kbd> to close
          </span>
        </div>
        <div class={`inspector ${selectedRow() ? 'with-detail' : ''}`}>
          <div class="inspector-list">
            <Show
              when={store.list.rows.length}
              fallback={
                <div class="empty">
                  <strong>No live queries are running</strong>
                  <span>Actors appear here as clients subscribe — e.g. <code>pgstack.live('todos').subscribe(…)</code> in the SDK.</span>
                </div>
              }
            >
              <VirtualRows label="Live actors" rows={rows()} columns={columns()} rowKey={(r) => r.id} selected={selected()} onSelect={(r) => setSelected(r.id)} ref={(api) => (list = api)} />
            </Show>
          </div>
          <Show when={selectedRow()}>
            <ActorDetail row={selectedRow()!} store={store} onClose={() => setSelected(null)} />
          </Show>
        </div>
      </div>
    </>
  )
}

function Stat(props: { label: string; value: string }) {
  return (
    <div class="stat">
      <div class="label">{props.label}</div>
      <div class="value">{props.value}</div>
    </div>
  )
}
