// Keyboard shortcuts: single keys and two-key sequences ("g t"), ignored while typing in a field
// unless they use a modifier. Pages register theirs for as long as they are mounted.
import { onCleanup } from 'solid-js'

export interface Shortcut {
  /** "g t", "/", "?", "mod+enter", "escape" ("mod" is Ctrl, or ⌘ on a Mac). */
  keys: string
  description: string
  run(event: KeyboardEvent): void
  /** Also while focus is in a text field. */
  inFields?: boolean
}

const shortcuts = new Set<Shortcut>()
let prefix: string | null = null
let prefixTimer: ReturnType<typeof setTimeout> | undefined
const isMac = /Mac|iPhone|iPad/.test(navigator.platform)

function keyName(event: KeyboardEvent): string {
  const mods = []
  if (isMac ? event.metaKey : event.ctrlKey) mods.push('mod')
  if (event.altKey) mods.push('alt')
  if (event.shiftKey && event.key.length > 1) mods.push('shift')
  return [...mods, event.key.toLowerCase()].join('+')
}

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null
  if (!el) return false
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName)
}

window.addEventListener('keydown', (event) => {
  if (event.defaultPrevented || event.isComposing) return
  // A modal dialog owns the keyboard (Esc closes it, and only it).
  if (document.querySelector('dialog[open]')) return
  const key = keyName(event)
  const inField = typing(event.target)
  const sequence = prefix ? `${prefix} ${key}` : key
  for (const candidate of [sequence, key]) {
    for (const shortcut of [...shortcuts].reverse()) {
      if (shortcut.keys !== candidate) continue
      if (inField && !shortcut.inFields) continue
      event.preventDefault()
      prefix = null
      shortcut.run(event)
      return
    }
  }
  if (!inField && [...shortcuts].some((s) => s.keys.startsWith(`${key} `))) {
    prefix = key
    clearTimeout(prefixTimer)
    prefixTimer = setTimeout(() => (prefix = null), 1200)
    return
  }
  prefix = null
})

/** Registers shortcuts for the calling component's lifetime. */
export function useShortcuts(list: Shortcut[]): void {
  for (const shortcut of list) shortcuts.add(shortcut)
  onCleanup(() => {
    for (const shortcut of list) shortcuts.delete(shortcut)
  })
}

export function allShortcuts(): Shortcut[] {
  return [...shortcuts]
}

/** How a shortcut is written on screen. */
export function keyLabel(keys: string): string {
  return keys
    .split(' ')
    .map((part) => part.replace('mod', isMac ? '⌘' : 'Ctrl').replace('enter', '↵').replace('escape', 'Esc'))
    .join(' then ')
}
