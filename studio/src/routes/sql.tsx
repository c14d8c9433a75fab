// The SQL editor: runs SQL as the service role through /admin/v1/sql, shows each statement's result
// in a grid, marks an error where PostgreSQL says it is, and keeps a history in this browser.
import { createMemo, createSignal, For, Match, Show, Switch } from 'solid-js'
import { DataGrid, type GridColumn } from '../components/data-grid.tsx'
import { ErrorBox } from '../components/error-box.tsx'
import { Icon } from '../components/icons.tsx'
import { PageHead } from '../components/shell.tsx'
import { SqlEditor, type SqlEditorApi } from '../components/sql-editor.tsx'
import type { ApiError } from '../lib/api.ts'
import { formatAgo, formatCount, formatMs } from '../lib/format.ts'
import { keyLabel, useShortcuts } from '../lib/keyboard.ts'
import { apiLoad } from '../lib/resource.ts'
import { api } from '../lib/session.ts'
import { clearHistory, DRAFT_KEY, history, remember } from '../stores/sql-history.ts'
import type { TablesList } from '../stores/tables-types.ts'

interface StatementResult {
  command: string
  row_count: number | null
  columns: Array<{ name: string; type: string }>
  rows: Array<Array<string | null>>
  truncated: boolean
}
interface SqlAnswer {
  results: StatementResult[]
  duration_ms: number
}
interface SqlError extends ApiError {
  statement?: number | null
  /** The /sql endpoint gives the position as an object (docs/admin-api.md). */
  sqlPosition?: { offset: number; line: number; column: number } | null
}

const EXAMPLE = `-- Ctrl+Enter runs the text (or the selection) as the service role.
select now(), current_user, version();
`

/** PostgreSQL counts characters; CodeMirror counts UTF-16 units. */
function characterToUnitOffset(text: string, characters: number): number {
  let units = 0
  let seen = 0
  for (const ch of text) {
    if (seen >= characters) break
    units += ch.length
    seen++
  }
  return units
}

export default function Sql() {
  let editor: SqlEditorApi | undefined
  const [running, setRunning] = createSignal(false)
  const [answer, setAnswer] = createSignal<SqlAnswer | null>(null)
  const [error, setError] = createSignal<SqlError | null>(null)
  const [resultIndex, setResultIndex] = createSignal(0)
  const [readOnly, setReadOnly] = createSignal(false)
  const [showHistory, setShowHistory] = createSignal(true)
  const [selected, setSelected] = createSignal<number | null>(null)

  // Table and column names for completion; the editor works without them.
  const tables = apiLoad(async () => {
    const result = await api.get<TablesList>('/admin/v1/tables')
    if (result.error) return result
    const schema: Record<string, string[]> = {}
    for (const t of result.data.tables) schema[t.schema === 'public' ? t.name : `${t.schema}.${t.name}`] = []
    return { data: schema, error: null }
  })

  const run = async () => {
    if (!editor || running()) return
    const { text, from } = editor.runnable()
    if (!text.trim()) return
    setRunning(true)
    editor.clearError()
    const result = await api.post<SqlAnswer>('/admin/v1/sql', { query: text, read_only: readOnly() })
    setRunning(false)
    setSelected(null)
    if (result.error) {
      const body = result.error.body ?? {}
      const position = (typeof body.position === 'object' && body.position !== null ? body.position : null) as SqlError['sqlPosition']
      const failure: SqlError = { ...result.error, sqlPosition: position ?? null, statement: typeof body.statement === 'number' ? body.statement : null }
      setError(failure)
      setAnswer(null)
      if (position) editor.markError(from + characterToUnitOffset(text, position.offset - 1), result.error.message)
      remember({ query: text, at: Date.now(), ok: false, summary: `${result.error.code}: ${result.error.message}` })
      return
    }
    setError(null)
    setAnswer(result.data)
    setResultIndex(Math.max(0, result.data.results.length - 1))
    const last = result.data.results[result.data.results.length - 1]
    remember({ query: text, at: Date.now(), ok: true, summary: last ? summarize(last) : 'no statements' })
  }

  useShortcuts([{ keys: 'mod+enter', description: 'Run the SQL (or the selection)', run: () => void run(), inFields: true }])

  const current = createMemo(() => answer()?.results[resultIndex()] ?? null)
  const columns = createMemo<GridColumn[]>(() => (current()?.columns ?? []).map((c, i) => ({ id: `${i}`, header: c.name, sub: c.type, sortable: false })))

  return (
    <>
      <PageHead title="SQL editor">
        <label class="check" title="Run in a read-only transaction">
          <input type="checkbox" checked={readOnly()} onChange={(e) => setReadOnly(e.currentTarget.checked)} /> Read-only
        </label>
        <button class="btn ghost" onClick={() => setShowHistory(!showHistory())} aria-pressed={showHistory()}>
          <Icon name="history" /> History
        </button>
        <button class="btn primary" onClick={() => void run()} disabled={running()} title={keyLabel('mod+enter')}>
          <Icon name="play" /> {running() ? 'Running…' : 'Run'} <kbd style={{ background: 'transparent', color: 'inherit', 'border-color': 'rgba(255,255,255,.5)' }}>{keyLabel('mod+enter')}</kbd>
        </button>
      </PageHead>
      <div class="page-body flush" style={{ 'flex-direction': 'row' }}>
        <div class="sql-layout grow">
          <SqlEditor
            initial={localStorage.getItem(DRAFT_KEY) ?? EXAMPLE}
            schema={tables()}
            onRun={() => void run()}
            onChange={(text) => localStorage.setItem(DRAFT_KEY, text)}
            ref={(e) => (editor = e)}
          />
          <div class="toolbar" style={{ 'min-height': '44px' }}>
            <Show when={answer()}>
              <For each={answer()!.results}>
                {(r, i) => (
                  <button class={`btn small ${resultIndex() === i() ? 'primary' : 'ghost'}`} onClick={() => setResultIndex(i())}>
                    {i() + 1}. {r.command}
                  </button>
                )}
              </For>
              <span class="spacer" />
              <Show when={current()}>
                <span class="muted">{summarize(current()!)}</span>
              </Show>
              <span class="muted num">{formatMs(answer()!.duration_ms)}</span>
            </Show>
            <Show when={!answer() && !error()}>
              <span class="muted">Results appear here.</span>
            </Show>
            <Show when={error()}>
              <span class="error-text">Failed{error()!.statement ? ` in statement ${error()!.statement}` : ''}; nothing was committed.</span>
            </Show>
          </div>
          <div style={{ display: 'flex', 'flex-direction': 'column', 'min-height': 0 }}>
            <Switch>
              <Match when={error()}>
                <div class="sql-error">
                  <ErrorBox error={error()!} />
                  <Show when={error()!.sqlPosition}>
                    <p class="muted" data-testid="error-position">
                      At line {error()!.sqlPosition!.line}, column {error()!.sqlPosition!.column} (character {error()!.sqlPosition!.offset}) — marked in the editor.
                    </p>
                  </Show>
                </div>
              </Match>
              <Match when={current() && current()!.columns.length}>
                <Show when={current()!.truncated}>
                  <div class="callout warn" style={{ margin: '8px 20px' }}>
                    Only the first {formatCount(current()!.rows.length)} rows are shown; add a LIMIT or narrow the query.
                  </div>
                </Show>
                <DataGrid label="Result" columns={columns()} rows={current()!.rows} selected={selected()} onSelect={setSelected} />
              </Match>
              <Match when={current()}>
                <div class="empty">
                  <strong>{current()!.command}</strong>
                  <span>{summarize(current()!)}</span>
                </div>
              </Match>
            </Switch>
          </div>
        </div>
        <Show when={showHistory()}>
          <aside class="detail" style={{ width: '300px', flex: 'none' }} aria-label="Query history">
            <header>
              <h2 class="grow">History</h2>
              <Show when={history().length}>
                <button class="btn ghost small" onClick={clearHistory}>Clear</button>
              </Show>
            </header>
            <div class="detail-body">
              <For each={history()} fallback={<div class="empty">Queries you run are listed here.</div>}>
                {(entry) => (
                  <button class="history-item" onClick={() => editor?.setText(entry.query)} title="Put back in the editor">
                    <div class="row" style={{ 'font-family': 'var(--font)', 'margin-bottom': '3px' }}>
                      <span class={`dot ${entry.ok ? 'ok' : 'danger'}`} />
                      <span class="muted ellipsis grow">{entry.summary}</span>
                      <span class="faint nowrap">{formatAgo(entry.at)}</span>
                    </div>
                    <div class="clamp">{entry.query.trim().slice(0, 300)}</div>
                  </button>
                )}
              </For>
            </div>
          </aside>
        </Show>
      </div>
    </>
  )
}

function summarize(r: StatementResult): string {
  if (r.columns.length) return `${formatCount(r.rows.length)} row${r.rows.length === 1 ? '' : 's'}${r.truncated ? ` (of ${formatCount(r.row_count)})` : ''}`
  return r.row_count === null ? 'done' : `${formatCount(r.row_count)} row${r.row_count === 1 ? '' : 's'} affected`
}
