// Light, dark or the system's choice, kept in this browser. The page reads `data-theme` on <html>.
import { createEffect, createSignal, onCleanup } from 'solid-js'

export type ThemeChoice = 'light' | 'dark' | 'system'
const KEY = 'pgstack.studio.theme'
const media = window.matchMedia('(prefers-color-scheme: dark)')

const [choice, setChoice] = createSignal<ThemeChoice>((localStorage.getItem(KEY) as ThemeChoice | null) ?? 'system')
const [systemDark, setSystemDark] = createSignal(media.matches)

/** The theme in force: the user's choice, or the system's when they chose 'system'. */
export const theme = () => (choice() === 'system' ? (systemDark() ? 'dark' : 'light') : (choice() as 'light' | 'dark'))
export const themeChoice = choice

export function setTheme(next: ThemeChoice): void {
  localStorage.setItem(KEY, next)
  setChoice(next)
}

export function cycleTheme(): void {
  setTheme(theme() === 'dark' ? 'light' : 'dark')
}

/** Keeps <html data-theme> in step; call once from the app's root. */
export function applyTheme(): void {
  const onChange = (event: MediaQueryListEvent) => setSystemDark(event.matches)
  media.addEventListener('change', onChange)
  onCleanup(() => media.removeEventListener('change', onChange))
  createEffect(() => {
    document.documentElement.dataset.theme = theme()
  })
}
