// Tables: every table and view with row counts, RLS and warnings in a list; the chosen one's rows
// (browse, filter, sort, page, insert, edit, delete through /rest/v1), structure and policies.
import { A, useNavigate, useParams } from '@solidjs/router'
import { createMemo, createSignal, For, Match, Show, Switch } from 'solid-js'
import { ErrorBox } from '../components/error-box.tsx'
import { Icon } from '../components/icons.tsx'
import { PageHead } from '../components/shell.tsx'
import { formatCount } from '../lib/format.ts'
import { useShortcuts } from '../lib/keyboard.ts'
import { apiLoad, apiResource } from '../lib/resource.ts'
import { api } from '../lib/session.ts'
import type { TableDetail, TablesList, TableSummary } from '../stores/tables-types.ts'
import { TableRows } from './table-rows.tsx'
import { TableStructure, TablePolicies } from './table-structure.tsx'

type Tab = 'rows' | 'structure' | 'policies'

export default function Tables() {
  const params = useParams<{ schema?: string; table?: string }>()
  const navigate = useNavigate()
  const list = apiLoad(() => api.get<TablesList>('/admin/v1/tables'))
  const [filter, setFilter] = createSignal('')
  const [tab, setTab] = createSignal<Tab>('rows')
  let filterInput!: HTMLInputElement

  const target = createMemo(() => (params.schema && params.table ? { schema: params.schema, table: params.table } : null))
  const detail = apiResource(target, (t) => api.get<TableDetail>(`/admin/v1/tables/${encodeURIComponent(t.schema)}/${encodeURIComponent(t.table)}`))

  const groups = createMemo(() => {
    const needle = filter().trim().toLowerCase()
    const bySchema = new Map<string, TableSummary[]>()
    for (const table of list()?.tables ?? []) {
      if (needle && !`${table.schema}.${table.name}`.toLowerCase().includes(needle)) continue
      const group = bySchema.get(table.schema) ?? []
      group.push(table)
      bySchema.set(table.schema, group)
    }
    return [...bySchema.entries()]
  })
  const flat = createMemo(() => groups().flatMap(([, tables]) => tables))
  const open = (t: TableSummary) => navigate(`/tables/${encodeURIComponent(t.schema)}/${encodeURIComponent(t.name)}`)
  const step = (by: number) => {
    const all = flat()
    const at = all.findIndex((t) => t.schema === params.schema && t.name === params.table)
    const next = all[Math.max(0, Math.min(all.length - 1, at === -1 ? 0 : at + by))]
    if (next) open(next)
  }
  useShortcuts([
    { keys: 'mod+k', description: 'Find a table', run: () => filterInput.focus(), inFields: true },
    { keys: 'alt+arrowdown', description: 'Next table', run: () => step(1), inFields: true },
    { keys: 'alt+arrowup', description: 'Previous table', run: () => step(-1), inFields: true },
    { keys: '1', description: 'Rows tab', run: () => setTab('rows') },
    { keys: '2', description: 'Structure tab', run: () => setTab('structure') },
    { keys: '3', description: 'Policies tab', run: () => setTab('policies') },
  ])

  const refreshAll = () => {
    list.refetch()
    if (target()) detail.refetch()
  }

  return (
    <>
      <PageHead
        title={
          <span class="row">
            <A href="/tables" style={{ color: 'inherit' }}>Tables</A>
            <Show when={target()}>
              <Icon name="chevron" style={{ width: '14px', height: '14px', color: 'var(--faint)' }} />
              <span class="mono">{params.schema}.{params.table}</span>
            </Show>
          </span>
        }
      >
        <button class="btn" onClick={refreshAll} title="Reload the tables and counts">
          <Icon name="refresh" /> Refresh
        </button>
      </PageHead>
      <div class="page-body flush">
        <div class="split">
          <nav class="list-pane" aria-label="Tables and views">
            <div style={{ padding: '10px 10px 4px' }}>
              <input ref={filterInput} type="search" placeholder="Find a table  (Ctrl+K)" value={filter()} onInput={(e) => setFilter(e.currentTarget.value)} style={{ width: '100%' }} aria-label="Find a table" />
            </div>
            <Show when={list.error()}>
              <div style={{ padding: '10px' }}>
                <ErrorBox error={list.error()!} title="Could not list the tables" />
              </div>
            </Show>
            <For each={groups()}>
              {([schema, tables]) => (
                <>
                  <div class="list-group">
                    {schema}
                    <Show when={!list()?.exposed_schemas.includes(schema)}>
                      <span class="faint" style={{ 'text-transform': 'none', 'letter-spacing': 0, 'font-weight': 400 }}> · not exposed</span>
                    </Show>
                  </div>
                  <For each={tables}>
                    {(t) => (
                      <A class="list-item" classList={{ active: t.schema === params.schema && t.name === params.table }} href={`/tables/${encodeURIComponent(t.schema)}/${encodeURIComponent(t.name)}`} title={t.warnings.map((w) => w.message).join('\n')}>
                        <Show when={t.warnings.some((w) => w.severity === 'error')} fallback={<Icon name={t.kind === 'view' || t.kind === 'materialized_view' ? 'list' : 'table'} style={{ width: '14px', height: '14px', color: 'var(--faint)', flex: 'none' }} />}>
                          <Icon name="alert" style={{ width: '14px', height: '14px', color: 'var(--danger)', flex: 'none' }} role="img" aria-hidden="false" aria-label="warning" />
                        </Show>
                        <span class="ellipsis grow">{t.name}</span>
                        <Show when={t.kind === 'table' || t.kind === 'partitioned_table'}>
                          <span class={`badge ${t.rls_enabled ? 'ok' : ''}`} title={t.rls_enabled ? 'Row level security on' : 'Row level security off'} style={{ height: '18px', 'font-size': '10.5px' }}>
                            {t.rls_enabled ? 'RLS' : 'no RLS'}
                          </span>
                        </Show>
                        <span class="faint num" style={{ width: '52px' }}>{t.rows === null ? '' : `${t.rows_exact ? '' : '~'}${compactCount(t.rows)}`}</span>
                      </A>
                    )}
                  </For>
                </>
              )}
            </For>
            <Show when={list() && !list()!.tables.length}>
              <div class="empty">
                <strong>No tables yet</strong>
                <span>Create one in the <A href="/sql">SQL editor</A>.</span>
              </div>
            </Show>
          </nav>
          <div style={{ display: 'flex', 'flex-direction': 'column', 'min-height': 0, 'min-width': 0 }}>
            <Switch>
              <Match when={!target()}>
                <div class="empty">
                  <strong>Choose a table</strong>
                  <span>Its rows, columns, keys and policies open here.</span>
                </div>
              </Match>
              <Match when={detail.error()}>
                <div style={{ padding: '16px 20px' }}>
                  <ErrorBox error={detail.error()!} />
                </div>
              </Match>
              <Match when={detail()}>
                <TableHeader table={detail()!} tab={tab()} setTab={setTab} />
                <Switch>
                  <Match when={tab() === 'rows'}>
                    <TableRows table={detail()!} onChanged={() => list.refetch()} />
                  </Match>
                  <Match when={tab() === 'structure'}>
                    <TableStructure table={detail()!} />
                  </Match>
                  <Match when={tab() === 'policies'}>
                    <TablePolicies table={detail()!} />
                  </Match>
                </Switch>
              </Match>
            </Switch>
          </div>
        </div>
      </div>
    </>
  )
}

function compactCount(rows: string): string {
  const n = Number(rows)
  if (n < 10_000) return formatCount(n)
  if (n < 1_000_000) return `${Math.round(n / 1000)}k`
  return `${(n / 1_000_000).toFixed(1)}M`
}

function TableHeader(props: { table: TableDetail; tab: Tab; setTab: (t: Tab) => void }) {
  const errors = () => props.table.warnings.filter((w) => w.severity !== 'info')
  const infos = () => props.table.warnings.filter((w) => w.severity === 'info')
  return (
    <>
      <For each={errors()}>
        {(w) => (
          <div class={`callout ${w.severity === 'error' ? 'danger' : 'warn'}`} role="alert" style={{ margin: '12px 20px 0' }} data-warning={w.code}>
            <Icon name="shield" style={{ width: '16px', height: '16px', flex: 'none', 'margin-top': '2px', color: w.severity === 'error' ? 'var(--danger)' : 'var(--warn)' }} />
            <div class="grow">
              <strong>{w.message}</strong>
              <Show when={w.code === 'anon_without_rls'}>
                <p class="muted">
                  Anyone with the anon key can do this through <code>/rest/v1</code>. Turn row level security on and add policies:{' '}
                  <code>
                    ALTER TABLE {props.table.schema}.{props.table.name} ENABLE ROW LEVEL SECURITY;
                  </code>
                  {' '}or revoke anon’s privileges.
                </p>
              </Show>
              <Show when={w.code === 'view_bypasses_rls'}>
                <p class="muted">
                  Make it <code>security_invoker</code> (<code>ALTER VIEW {props.table.schema}.{props.table.name} SET (security_invoker = on)</code>) so the base tables’ policies apply.
                </p>
              </Show>
            </div>
          </div>
        )}
      </For>
      <div class="tabs" role="tablist" style={{ 'margin-top': '8px' }}>
        <button role="tab" aria-selected={props.tab === 'rows'} class={`tab ${props.tab === 'rows' ? 'active' : ''}`} onClick={() => props.setTab('rows')}>
          Rows
          <Show when={props.table.rows !== null}>
            <span class="badge">{props.table.rows_exact ? '' : '~'}{formatCount(Number(props.table.rows))}</span>
          </Show>
        </button>
        <button role="tab" aria-selected={props.tab === 'structure'} class={`tab ${props.tab === 'structure' ? 'active' : ''}`} onClick={() => props.setTab('structure')}>
          Structure <span class="badge">{props.table.columns.length}</span>
        </button>
        <button role="tab" aria-selected={props.tab === 'policies'} class={`tab ${props.tab === 'policies' ? 'active' : ''}`} onClick={() => props.setTab('policies')}>
          RLS &amp; policies
          <span class={`badge ${props.table.rls_enabled ? 'ok' : 'danger'}`}>{props.table.rls_enabled ? `on · ${props.table.policies.length}` : 'off'}</span>
        </button>
        <span class="spacer" />
        <For each={infos()}>{(w) => <span class="muted" style={{ 'align-self': 'center' }}>{w.message}</span>}</For>
      </div>
    </>
  )
}
