// The SQL editor on CodeMirror 6: PostgreSQL highlighting and completion of the tables it is given,
// Mod-Enter runs (the selection when there is one), errors are marked at PostgreSQL's position.
import { PostgreSQL, sql } from '@codemirror/lang-sql'
import { setDiagnostics } from '@codemirror/lint'
import { Compartment, EditorSelection, Prec } from '@codemirror/state'
import { oneDark } from '@codemirror/theme-one-dark'
import { EditorView, keymap } from '@codemirror/view'
import { closeCompletion } from '@codemirror/autocomplete'
import { basicSetup } from 'codemirror'
import { createEffect, on, onCleanup, onMount } from 'solid-js'
import { theme } from '../lib/theme.ts'

export interface SqlEditorApi {
  text(): string
  /** The text to run: the selection, else everything; with its offset in the document. */
  runnable(): { text: string; from: number }
  setText(text: string): void
  /** Marks an error at a 0-based document offset (the word there) and moves the cursor to it. */
  markError(offset: number | null, message: string): void
  clearError(): void
  focus(): void
}

export function SqlEditor(props: { initial: string; schema?: Record<string, string[]>; onRun: () => void; onChange?: (text: string) => void; ref: (api: SqlEditorApi) => void }) {
  let box!: HTMLDivElement
  let view: EditorView | undefined
  const themeSlot = new Compartment()
  const languageSlot = new Compartment()
  // The page's own surfaces behind either highlighting, so the editor sits in the page.
  const surfaces = { '&': { backgroundColor: 'var(--panel)', color: 'var(--text)' }, '.cm-gutters': { backgroundColor: 'var(--panel-2)', color: 'var(--faint)', borderRight: '1px solid var(--border)' } }
  const lightTheme = EditorView.theme(surfaces)
  const darkTheme = [oneDark, EditorView.theme(surfaces, { dark: true })]
  const language = () => sql({ dialect: PostgreSQL, schema: props.schema ?? {}, upperCaseKeywords: false })

  onMount(() => {
    view = new EditorView({
      parent: box,
      doc: props.initial,
      extensions: [
        Prec.highest(keymap.of([{ key: 'Mod-Enter', run: () => (props.onRun(), true) }])),
        basicSetup,
        languageSlot.of(language()),
        themeSlot.of(theme() === 'dark' ? darkTheme : lightTheme),
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ 'aria-label': 'SQL' }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) {
            props.onChange?.(update.state.doc.toString())
            if (update.transactions.some((t) => t.isUserEvent('input') || t.isUserEvent('delete'))) view?.dispatch(setDiagnostics(update.state, []))
          }
        }),
      ],
    })
    props.ref({
      text: () => view!.state.doc.toString(),
      runnable: () => {
        closeCompletion(view!)
        const range = view!.state.selection.main
        if (range.empty) return { text: view!.state.doc.toString(), from: 0 }
        return { text: view!.state.sliceDoc(range.from, range.to), from: range.from }
      },
      setText: (text) => view!.dispatch({ changes: { from: 0, to: view!.state.doc.length, insert: text }, selection: EditorSelection.cursor(text.length) }),
      markError: (offset, message) => {
        const state = view!.state
        if (offset === null) return
        const at = Math.max(0, Math.min(offset, state.doc.length))
        const word = state.wordAt(at)
        const from = word?.from ?? at
        const to = word?.to ?? Math.min(state.doc.length, at + 1)
        view!.dispatch(setDiagnostics(state, [{ from, to, severity: 'error', message }]), { selection: EditorSelection.cursor(at), scrollIntoView: true })
      },
      clearError: () => view!.dispatch(setDiagnostics(view!.state, [])),
      focus: () => view!.focus(),
    })
    view.focus()
  })
  createEffect(on(theme, (t) => view?.dispatch({ effects: themeSlot.reconfigure(t === 'dark' ? darkTheme : lightTheme) }), { defer: true }))
  createEffect(on(() => props.schema, () => view?.dispatch({ effects: languageSlot.reconfigure(language()) }), { defer: true }))
  onCleanup(() => view?.destroy())

  return <div class="editor" ref={box} />
}
