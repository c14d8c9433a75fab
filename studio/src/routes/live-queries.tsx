// Named live queries (pgr.define): their SQL, parameters, keys and figures; define and drop; and
// "try it": a real subscription over /live/v1 showing the snapshot and the deltas as they arrive.
import { applyChanges, type LiveChange, type LiveError, type LiveTransport } from '@pgstack/sdk'
import { createSignal, For, onCleanup, Show } from 'solid-js'
import { DataGrid, type GridColumn } from '../components/data-grid.tsx'
import { ConfirmDialog, FormDialog } from '../components/dialog.tsx'
import { ErrorBox } from '../components/error-box.tsx'
import { Icon } from '../components/icons.tsx'
import { PageHead } from '../components/shell.tsx'
import { toast, toastError } from '../components/toast.tsx'
import type { ApiError } from '../lib/api.ts'
import { formatCount, formatTime, stringifyValue } from '../lib/format.ts'
import { useShortcuts } from '../lib/keyboard.ts'
import { apiLoad } from '../lib/resource.ts'
import { api } from '../lib/session.ts'

interface LiveQuery {
  name: string
  sql: string
  param_types: string[]
  key: string[] | null
  refresh: string | null
  incremental: boolean
  tables: string[]
  columns: string[]
  feeds: number
  subscriptions: number
  evaluations: string
  deltas: string
  errors: string
  created_at: string
}

export default function LiveQueries() {
  const queries = apiLoad(() => api.get<{ live_queries: LiveQuery[] }>('/admin/v1/live-queries'))
  const list = () => queries()?.live_queries
  const refetch = () => queries.refetch()
  const [selectedName, setSelectedName] = createSignal<string | null>(null)
  const [defining, setDefining] = createSignal(false)
  const [dropping, setDropping] = createSignal<LiveQuery | null>(null)
  const selected = () => list()?.find((q) => q.name === selectedName()) ?? null
  useShortcuts([{ keys: 'n', description: 'Define a live query', run: () => setDefining(true) }])

  return (
    <>
      <PageHead title="Live queries">
        <button class="btn" onClick={() => refetch()}>
          <Icon name="refresh" /> Refresh
        </button>
        <button class="btn primary" onClick={() => setDefining(true)} title="Define a live query (N)">
          <Icon name="plus" /> Define
        </button>
      </PageHead>
      <div class="page-body flush">
        <div class="split" style={{ 'grid-template-columns': '340px minmax(0, 1fr)' }}>
          <div class="list-pane" aria-label="Live queries">
            <Show when={queries.error()}>
              <div style={{ padding: '10px' }}>
                <ErrorBox error={queries.error()!} />
              </div>
            </Show>
            <For
              each={list() ?? []}
              fallback={
                <Show when={!queries.loading() && !queries.error()}>
                  <div class="empty">
                    <strong>No live queries defined</strong>
                    <span>
                      Define one here or with <code>select pgr.define(name, sql)</code>.
                    </span>
                  </div>
                </Show>
              }
            >
              {(q) => (
                <a class="list-item" classList={{ active: q.name === selectedName() }} style={{ height: 'auto', padding: '8px 12px' }} href="#" onClick={(e) => (e.preventDefault(), setSelectedName(q.name))}>
                  <div class="grow" style={{ 'min-width': 0 }}>
                    <div class="row">
                      <strong class="mono ellipsis grow">{q.name}</strong>
                      <span class="badge" title="subscriptions">{q.subscriptions} subs</span>
                    </div>
                    <div class="faint mono ellipsis">{q.sql}</div>
                  </div>
                </a>
              )}
            </For>
          </div>
          <div style={{ 'min-height': 0, overflow: 'auto' }}>
            <Show when={selected()} fallback={<div class="empty"><strong>Choose a live query</strong><span>See its SQL and figures, and try it live.</span></div>}>
              {(q) => <QueryDetail query={q()} onDrop={() => setDropping(q())} />}
            </Show>
          </div>
        </div>
      </div>
      <Show when={defining()}>
        <DefineQuery
          onClose={() => setDefining(false)}
          onDefined={(q) => {
            setDefining(false)
            refetch()
            setSelectedName(q.name)
          }}
        />
      </Show>
      <Show when={dropping()}>
        {(q) => (
          <ConfirmDialog
            title={`Drop ${q().name}?`}
            danger
            confirm="Drop"
            body={<p>The live query and its feeds are dropped; its {q().subscriptions} subscriber(s) are told it no longer exists.</p>}
            onClose={() => setDropping(null)}
            onConfirm={async () => {
              const name = q().name // read before the dialog closes: q() ends with it
              setDropping(null)
              const result = await api.delete(`/admin/v1/live-queries/${encodeURIComponent(name)}`)
              if (result.error) return toastError(result.error, 'Drop failed')
              toast('ok', `${name} dropped.`)
              setSelectedName(null)
              refetch()
            }}
          />
        )}
      </Show>
    </>
  )
}

function QueryDetail(props: { query: LiveQuery; onDrop: () => void }) {
  return (
    <div class="page-body stack">
      <section class="card">
        <header>
          <h2 class="mono grow">{props.query.name}</h2>
          <span class={`badge ${props.query.incremental ? 'ok' : ''}`}>{props.query.incremental ? 'incremental' : 're-evaluated'}</span>
          <button class="btn small danger" onClick={() => props.onDrop()}>
            <Icon name="trash" /> Drop
          </button>
        </header>
        <div class="card-body stack">
          <pre class="block">{props.query.sql}</pre>
          <dl class="kv" style={{ padding: 0 }}>
            <dt>Parameters</dt>
            <dd class="mono">{props.query.param_types.length ? props.query.param_types.map((t, i) => `$${i + 1} ${t}`).join(', ') : 'none'}</dd>
            <dt>Key</dt>
            <dd class="mono">{props.query.key?.join(', ') ?? 'none (rows are numbered)'}</dd>
            <dt>Reads</dt>
            <dd class="mono">{props.query.tables.join(', ') || '—'}</dd>
            <Show when={props.query.refresh}>
              <dt>Refresh</dt>
              <dd>every {props.query.refresh}</dd>
            </Show>
            <dt>Activity</dt>
            <dd>
              {props.query.feeds} feeds · {props.query.subscriptions} subscriptions · {formatCount(Number(props.query.evaluations))} evaluations · {formatCount(Number(props.query.deltas))} deltas ·{' '}
              <span classList={{ 'error-text': props.query.errors !== '0' }}>{props.query.errors} errors</span>
            </dd>
          </dl>
        </div>
      </section>
      <TryIt query={props.query} />
    </div>
  )
}

interface Arrival {
  seq: number
  at: number
  changes: LiveChange<unknown>[]
}

/** A subscription of our own: the snapshot, then every delta as it arrives, until stopped. */
function TryIt(props: { query: LiveQuery }) {
  const [params, setParams] = createSignal<string[]>(props.query.param_types.map(() => ''))
  const [state, setState] = createSignal<'idle' | 'connecting' | 'live' | 'reconnecting' | 'error'>('idle')
  const [error, setError] = createSignal<LiveError | null>(null)
  const [rows, setRows] = createSignal<unknown[]>([])
  const [arrivals, setArrivals] = createSignal<Arrival[]>([])
  const [seq, setSeq] = createSignal<number | null>(null)
  let keys: string[] = []
  let transport: LiveTransport | null = null
  let stop: (() => void) | null = null

  const end = () => {
    stop?.()
    transport?.close()
    stop = null
    transport = null
    if (state() !== 'error') setState('idle')
  }
  onCleanup(end)

  const start = () => {
    end()
    setError(null)
    setRows([])
    setArrivals([])
    keys = []
    setSeq(null)
    setState('connecting')
    transport = api.liveTransport()
    stop = transport.subscribe(
      { kind: 'named', name: props.query.name, params: params() },
      {
        snapshot(snapshotRows, sequence) {
          keys = snapshotRows.map((r) => r.key)
          setRows(snapshotRows.map((r) => r.row))
          setSeq(sequence)
        },
        changes(changes, sequence) {
          const next = applyChanges(keys, rows(), changes)
          keys = next.keys
          setRows(next.rows)
          setSeq(sequence)
          setArrivals((list) => [{ seq: sequence, at: Date.now(), changes }, ...list.slice(0, 49)])
        },
        interrupted: () => setState('reconnecting'),
        live: () => setState('live'),
        failed(failure, terminal) {
          setError(failure)
          if (terminal !== false) setState('error')
        },
        lastSequence: () => seq(),
      },
    )
  }

  const columns = (): GridColumn[] => {
    const first = rows()[0]
    const names = first && typeof first === 'object' ? Object.keys(first as object) : props.query.columns
    return names.map((name) => ({ id: name, header: name, sortable: false }))
  }

  return (
    <section class="card" aria-label="Try it">
      <header>
        <h2 class="grow">Try it</h2>
        <span class={`badge ${state() === 'live' ? 'ok' : state() === 'error' ? 'danger' : state() === 'idle' ? '' : 'warn'}`} data-state={state()}>
          {state()}
        </span>
      </header>
      <form
        class="card-body row"
        style={{ 'flex-wrap': 'wrap' }}
        onSubmit={(e) => {
          e.preventDefault()
          start()
        }}
      >
        <For each={props.query.param_types}>
          {(type, i) => (
            <label class="row">
              <span class="mono">${i() + 1}</span>
              <input aria-label={`Parameter ${i() + 1}`} placeholder={type} value={params()[i()] ?? ''} onInput={(e) => setParams(params().map((p, j) => (j === i() ? e.currentTarget.value : p)))} />
            </label>
          )}
        </For>
        <button class="btn primary" type="submit">
          <Icon name="play" /> {state() === 'idle' || state() === 'error' ? 'Subscribe' : 'Subscribe again'}
        </button>
        <Show when={state() !== 'idle' && state() !== 'error'}>
          <button class="btn" type="button" onClick={end}>Stop</button>
        </Show>
        <span class="muted">as the service role (row level security does not filter)</span>
      </form>
      <Show when={error()}>
        <div style={{ padding: '0 14px 12px' }}>
          <ErrorBox error={{ ...error()!, status: 0 } as ApiError} />
        </div>
      </Show>
      <Show when={state() !== 'idle'}>
        <div class="settings-grid" style={{ padding: '0 14px 14px', 'grid-template-columns': 'minmax(0, 3fr) minmax(0, 2fr)' }}>
          <div class="stack" style={{ gap: '6px', 'min-width': 0 }}>
            <span class="muted">
              {formatCount(rows().length)} rows{seq() !== null ? ` at sequence ${seq()}` : ''}
            </span>
            <div style={{ height: '300px', display: 'flex', border: '1px solid var(--border)', 'border-radius': '6px', overflow: 'hidden' }}>
              <DataGrid label="Live rows" columns={columns()} rows={rows() as Array<Record<string, unknown>>} />
            </div>
          </div>
          <div class="stack" style={{ gap: '6px', 'min-width': 0 }}>
            <span class="muted">Deltas as they arrive</span>
            <div class="deltas" style={{ height: '300px', overflow: 'auto', border: '1px solid var(--border)', 'border-radius': '6px' }} aria-label="Deltas">
              <For each={arrivals()} fallback={<div class="empty">Write to the tables it reads and the deltas appear here.</div>}>
                {(a) => (
                  <div class="delta">
                    <div class="row muted">
                      <span>seq {a.seq}</span>
                      <span class="spacer" />
                      <span>{formatTime(a.at)}</span>
                    </div>
                    <For each={a.changes}>
                      {(c) => (
                        <div class="ellipsis">
                          <span class={`op-${c.kind}`}>{c.kind}</span> {c.key} <Show when={c.kind !== 'delete'}>{stringifyValue((c as { row: unknown }).row)}</Show>
                        </div>
                      )}
                    </For>
                  </div>
                )}
              </For>
            </div>
          </div>
        </div>
      </Show>
    </section>
  )
}

function DefineQuery(props: { onClose: () => void; onDefined: (q: LiveQuery) => void }) {
  let name!: HTMLInputElement
  let sql!: HTMLTextAreaElement
  let types!: HTMLInputElement
  let key!: HTMLInputElement
  const list = (text: string) => text.split(',').map((s) => s.trim()).filter(Boolean)
  const define = async () => {
    const body: Record<string, unknown> = { name: name.value.trim(), sql: sql.value }
    if (list(types.value).length) body.param_types = list(types.value)
    if (list(key.value).length) body.key = list(key.value)
    const result = await api.post<LiveQuery>('/admin/v1/live-queries', body)
    if (result.error) return result.error
    toast('ok', `${result.data.name} defined.`)
    props.onDefined(result.data)
    return null
  }
  return (
    <FormDialog title="Define a live query" wide submitLabel="Define" onSubmit={define} onClose={props.onClose}>
      <label class="field">
        Name
        <input ref={name} required autofocus placeholder="todos_of" pattern="[A-Za-z_][A-Za-z0-9_]*" />
      </label>
      <label class="field">
        SQL
        <textarea ref={sql} rows="6" required placeholder="SELECT id, title FROM todos WHERE owner = $1 ORDER BY id" />
        <span class="help">Parameters are $1, $2…; put the columns you ORDER BY in the output so deltas keep the order.</span>
      </label>
      <div class="settings-grid">
        <label class="field">
          Parameter types
          <input ref={types} placeholder="uuid, integer" />
        </label>
        <label class="field">
          Key columns
          <input ref={key} placeholder="id (default: the table's primary key)" />
        </label>
      </div>
    </FormDialog>
  )
}
