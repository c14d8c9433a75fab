// The watched actor: what it runs and as whom, its figures, and from the hub's stream its
// state-machine timeline, its recent deltas as they arrive and the rows its feed holds.
import { createMemo, createSignal, For, Match, Show, Switch } from 'solid-js'
import { Icon } from '../components/icons.tsx'
import { formatCount, formatMs, formatRate, formatTime, formatValue, stringifyValue } from '../lib/format.ts'
import type { ActorRow, InspectorStore } from '../stores/inspector.ts'
import { stateTone } from './inspector.tsx'

type Tab = 'timeline' | 'deltas' | 'rows'

export function ActorDetail(props: { row: ActorRow; store: InspectorStore; onClose: () => void }) {
  const [tab, setTab] = createSignal<Tab>('timeline')
  const detail = props.store.detail
  const columns = createMemo(() => {
    const names = new Set<string>()
    for (const entry of (detail.rows ?? []).slice(0, 50)) {
      if (entry.row && typeof entry.row === 'object') for (const name of Object.keys(entry.row)) names.add(name)
    }
    return [...names]
  })
  return (
    <aside class="detail" aria-label="Actor detail">
      <header>
        <span class={`badge ${stateTone(props.row.state)} state-badge`}>{props.row.state}</span>
        <h2 class="grow ellipsis mono" title={props.row.query}>{props.row.query || props.row.id}</h2>
        <button class="btn ghost icon" aria-label="Close detail" onClick={() => props.onClose()}>
          <Icon name="close" />
        </button>
      </header>
      <dl class="kv">
        <dt>Actor</dt>
        <dd class="mono">
          {props.row.id} <span class="faint">· socket {props.row.socket} · subscription “{props.row.subscription}”</span>
        </dd>
        <dt>Parameters</dt>
        <dd class="mono">{props.row.params.length ? stringifyValue(props.row.params) : '—'}</dd>
        <dt>Security context</dt>
        <dd>
          {props.row.role}
          <Show when={props.row.subject}> · {props.row.subject}</Show>
        </dd>
        <dt>Feed</dt>
        <dd class="num" style={{ 'text-align': 'left' }}>
          {props.row.feed ?? '—'} · {formatCount(props.row.subscribers)} subscriber{props.row.subscribers === 1 ? '' : 's'} · {formatRate(props.row.deltasPerSecond)} deltas/s
        </dd>
        <dt>Last sequence</dt>
        <dd class="num" style={{ 'text-align': 'left' }}>
          {formatCount(props.row.lastSeq)} · lag {formatMs(props.row.lagMs)}
        </dd>
        <Show when={detail.feed?.sql}>
          <dt>Compiled SQL</dt>
          <dd class="mono" style={{ 'font-size': '11.5px' }}>{detail.feed!.sql}</dd>
        </Show>
        <Show when={detail.feed?.last_error}>
          <dt>Last error</dt>
          <dd class="error-text">{detail.feed!.last_error!.message}</dd>
        </Show>
        <Show when={detail.closedAt}>
          <dt>Ended</dt>
          <dd>{formatTime(detail.closedAt)}</dd>
        </Show>
      </dl>
      <div class="tabs" role="tablist" style={{ padding: '0 8px' }}>
        <TabButton id="timeline" tab={tab()} setTab={setTab} label="Timeline" count={detail.timeline.length} />
        <TabButton id="deltas" tab={tab()} setTab={setTab} label="Deltas" count={detail.deltas.length} />
        <TabButton id="rows" tab={tab()} setTab={setTab} label="Rows" count={detail.rows?.length ?? null} />
      </div>
      <div class="detail-body">
        <Show when={detail.error}>
          <div class="empty">{detail.error}</div>
        </Show>
        <Switch>
          <Match when={tab() === 'timeline'}>
            <Show when={detail.timeline.length} fallback={<div class="empty">Waiting for the actor’s transitions…</div>}>
              <ol class="timeline" aria-label="State-machine timeline">
                <For each={detail.timeline}>
                  {(t) => (
                    <li>
                      <span class="t-time">{formatTime(t.at)}</span>
                      <span class="t-mark" />
                      <span style={{ 'min-width': 0, 'padding-bottom': '6px' }}>
                        <strong>{t.to}</strong>
                        <span class="muted"> from {t.from ?? 'start'}</span>
                        <div class="faint mono" style={{ 'font-size': '11px', 'overflow-wrap': 'anywhere' }}>{t.event}</div>
                      </span>
                    </li>
                  )}
                </For>
              </ol>
            </Show>
          </Match>
          <Match when={tab() === 'deltas'}>
            <Show when={detail.deltas.length} fallback={<div class="empty">No deltas yet. They appear here as writes change the query’s result.</div>}>
              <div class="deltas" aria-label="Recent deltas">
                <For each={detail.deltas}>
                  {(d) => (
                    <div class="delta">
                      <div class="row muted">
                        <span>seq {d.seq}</span>
                        <span class="spacer" />
                        <span>{formatTime(d.at)}</span>
                      </div>
                      <For each={d.ops.slice(0, 8)}>
                        {(op) => (
                          <div class="ellipsis">
                            <span class={`op-${op.op}`}>{op.op}</span> {op.key}
                            <Show when={op.op !== 'delete'}>
                              <span class="faint"> @{String(op.index)} </span>
                              {stringifyValue(op.row)}
                            </Show>
                          </div>
                        )}
                      </For>
                      <Show when={d.ops.length > 8}>
                        <div class="faint">… {d.ops.length - 8} more ops</div>
                      </Show>
                    </div>
                  )}
                </For>
              </div>
            </Show>
          </Match>
          <Match when={tab() === 'rows'}>
            <Switch>
              <Match when={detail.rowsOmitted}>
                <div class="empty">The feed’s rows are too large to show here ({detail.rowsOmitted}).</div>
              </Match>
              <Match when={detail.rows && detail.rows.length === 0}>
                <div class="empty">The query’s result is empty.</div>
              </Match>
              <Match when={detail.rows}>
                <div class="muted" style={{ padding: '6px 14px' }}>
                  {formatCount(detail.rows!.length)} rows at sequence {detail.rowsSeq}
                </div>
                <table class="data" aria-label="Rows the actor holds">
                  <thead>
                    <tr>
                      <For each={columns()}>{(c) => <th>{c}</th>}</For>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={detail.rows!.slice(0, 500)}>
                      {(entry) => (
                        <tr>
                          <For each={columns()}>
                            {(c) => {
                              const value = () => (entry.row as Record<string, unknown>)[c]
                              return <td classList={{ null: value() === null }}>{formatValue(value())}</td>
                            }}
                          </For>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </Match>
              <Match when={true}>
                <div class="empty">Loading the rows…</div>
              </Match>
            </Switch>
          </Match>
        </Switch>
      </div>
    </aside>
  )
}

function TabButton(props: { id: Tab; tab: Tab; setTab: (t: Tab) => void; label: string; count: number | null }) {
  return (
    <button role="tab" aria-selected={props.tab === props.id} class={`tab ${props.tab === props.id ? 'active' : ''}`} onClick={() => props.setTab(props.id)}>
      {props.label}
      <Show when={props.count !== null}>
        <span class="badge">{props.count}</span>
      </Show>
    </button>
  )
}
