// A table's structure (columns, keys, foreign keys, indexes, a view's definition) and its row level
// security: on or off, who may do what, and each policy's USING and WITH CHECK.
import { A } from '@solidjs/router'
import { For, Show } from 'solid-js'
import type { TableDetail } from '../stores/tables-types.ts'

const API_ROLES = ['anon', 'authenticated']

export function TableStructure(props: { table: TableDetail }) {
  const t = () => props.table
  return (
    <div class="page-body stack">
      <section class="card">
        <header>
          <h2>Columns</h2>
          <span class="muted">{t().columns.length}</span>
        </header>
        <table class="data" aria-label="Columns">
          <thead>
            <tr>
              <th style={{ width: '22%' }}>Name</th>
              <th style={{ width: '20%' }}>Type</th>
              <th style={{ width: '10%' }}>Nullable</th>
              <th>Default</th>
              <th style={{ width: '24%' }}>Notes</th>
            </tr>
          </thead>
          <tbody>
            <For each={t().columns}>
              {(c) => (
                <tr>
                  <td>
                    <strong>{c.name}</strong>
                    <Show when={c.primary_key}> <span class="badge info">primary key</span></Show>
                  </td>
                  <td class="mono">{c.type}</td>
                  <td>{c.nullable ? 'yes' : <span class="muted">not null</span>}</td>
                  <td class="mono" classList={{ null: c.default === null }}>{c.default ?? '—'}</td>
                  <td class="muted">
                    {[c.identity ? `identity (${c.identity.replace('_', ' ')})` : null, c.generated ? 'generated' : null, c.comment].filter(Boolean).join(' · ')}
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </section>

      <div class="settings-grid">
        <section class="card">
          <header>
            <h2>Keys</h2>
          </header>
          <div class="card-body stack" style={{ gap: '6px' }}>
            <div>
              <span class="muted">Primary key: </span>
              <Show when={t().primary_key.length} fallback={<span class="error-text">none — rows cannot be edited one by one</span>}>
                <code>({t().primary_key.join(', ')})</code>
              </Show>
            </div>
            <For each={t().unique}>
              {(u) => (
                <div>
                  <span class="muted">Unique </span>
                  <code>({u.columns.join(', ')})</code> <span class="faint">{u.name}</span>
                </div>
              )}
            </For>
          </div>
        </section>
        <section class="card">
          <header>
            <h2>Indexes</h2>
          </header>
          <div class="card-body stack" style={{ gap: '6px' }}>
            <For each={t().indexes} fallback={<span class="muted">None.</span>}>
              {(i) => (
                <div class="mono ellipsis" title={i.definition}>
                  {i.definition}
                </div>
              )}
            </For>
          </div>
        </section>
      </div>

      <section class="card">
        <header>
          <h2>Foreign keys</h2>
        </header>
        <div class="card-body stack" style={{ gap: '6px' }}>
          <For each={t().foreign_keys} fallback={<span class="muted">This table references no other.</span>}>
            {(fk) => (
              <div>
                <code>({fk.columns.join(', ')})</code> →{' '}
                <A href={`/tables/${encodeURIComponent(fk.references.schema)}/${encodeURIComponent(fk.references.table)}`}>
                  {fk.references.schema}.{fk.references.table}
                </A>{' '}
                <code>({fk.references.columns.join(', ')})</code>
                <span class="faint">
                  {' '}
                  on delete {fk.on_delete.toLowerCase()}, on update {fk.on_update.toLowerCase()} · {fk.name}
                </span>
              </div>
            )}
          </For>
          <Show when={t().referenced_by.length}>
            <div class="muted" style={{ 'margin-top': '6px' }}>Referenced by</div>
            <For each={t().referenced_by}>
              {(r) => (
                <div>
                  <A href={`/tables/${encodeURIComponent(r.schema)}/${encodeURIComponent(r.table)}`}>
                    {r.schema}.{r.table}
                  </A>{' '}
                  <code>({r.columns.join(', ')})</code> → <code>({r.references_columns.join(', ')})</code>
                </div>
              )}
            </For>
          </Show>
        </div>
      </section>

      <Show when={t().definition}>
        <section class="card">
          <header>
            <h2>View definition</h2>
          </header>
          <div class="card-body">
            <pre class="block">{t().definition}</pre>
          </div>
        </section>
      </Show>
    </div>
  )
}

export function TablePolicies(props: { table: TableDetail }) {
  const t = () => props.table
  return (
    <div class="page-body stack">
      <section class="card">
        <header>
          <h2>Row level security</h2>
          <span class={`badge ${t().rls_enabled ? 'ok' : 'danger'}`}>{t().rls_enabled ? (t().rls_forced ? 'on (forced)' : 'on') : 'off'}</span>
        </header>
        <div class="card-body stack">
          <Show
            when={t().rls_enabled}
            fallback={
              <p style={{ margin: 0 }}>
                Row level security is off: every role granted a privilege below sees and changes every row. Turn it on with{' '}
                <code>ALTER TABLE {t().schema}.{t().name} ENABLE ROW LEVEL SECURITY</code> and add policies.
              </p>
            }
          >
            <p style={{ margin: 0 }}>
              Rows are visible and writable only as the policies allow (the service role bypasses them).
              <Show when={!t().policies.length}> There are no policies, so only the service role sees any row.</Show>
            </p>
          </Show>
          <table class="data" aria-label="Privileges of the API roles">
            <thead>
              <tr>
                <th>Role</th>
                <For each={['SELECT', 'INSERT', 'UPDATE', 'DELETE']}>{(p) => <th>{p}</th>}</For>
              </tr>
            </thead>
            <tbody>
              <For each={API_ROLES}>
                {(role) => (
                  <tr>
                    <td>{role}</td>
                    <For each={['SELECT', 'INSERT', 'UPDATE', 'DELETE']}>
                      {(p) => {
                        const granted = () => (t().privileges[role] ?? []).includes(p)
                        return <td>{granted() ? <span class={`badge ${t().rls_enabled ? 'ok' : 'danger'}`}>granted</span> : <span class="faint">—</span>}</td>
                      }}
                    </For>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
      </section>
      <section class="card">
        <header>
          <h2>Policies</h2>
          <span class="muted">{t().policies.length}</span>
        </header>
        <Show when={t().policies.length} fallback={<div class="card-body muted">No policies.</div>}>
          <For each={t().policies}>
            {(p) => (
              <div class="card-body" style={{ 'border-bottom': '1px solid var(--border)' }}>
                <div class="row">
                  <strong>{p.name}</strong>
                  <span class="badge info">{p.command}</span>
                  <span class="badge">{p.permissive ? 'permissive' : 'restrictive'}</span>
                  <span class="muted">to {p.roles.join(', ')}</span>
                </div>
                <Show when={p.using}>
                  <div style={{ 'margin-top': '6px' }}>
                    <span class="muted">using </span>
                    <code>{p.using}</code>
                  </div>
                </Show>
                <Show when={p.with_check}>
                  <div>
                    <span class="muted">with check </span>
                    <code>{p.with_check}</code>
                  </div>
                </Show>
              </div>
            )}
          </For>
        </Show>
      </section>
    </div>
  )
}
