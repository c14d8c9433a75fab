// The SQL editor's history, kept in this browser (docs/admin-api.md leaves it to the Studio): the
// last 100 texts run, newest first, each with when and how it ended.
import { createSignal } from 'solid-js'

export interface HistoryEntry {
  query: string
  at: number
  ok: boolean
  summary: string
}

const KEY = 'pgstack.studio.sql-history'
const MAX = 100

function load(): HistoryEntry[] {
  try {
    return (JSON.parse(localStorage.getItem(KEY) ?? '[]') as HistoryEntry[]).slice(0, MAX)
  } catch {
    return []
  }
}

const [history, setHistory] = createSignal<HistoryEntry[]>(load())
export { history }

export function remember(entry: HistoryEntry): void {
  const next = [entry, ...history().filter((e) => e.query !== entry.query)].slice(0, MAX)
  localStorage.setItem(KEY, JSON.stringify(next))
  setHistory(next)
}

export function clearHistory(): void {
  localStorage.removeItem(KEY)
  setHistory([])
}

/** The text being edited, kept across page changes and reloads. */
export const DRAFT_KEY = 'pgstack.studio.sql-draft'
