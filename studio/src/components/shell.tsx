// The frame around every page: navigation with its shortcuts, who is signed in, theme and
// sign-out, and the keyboard help (?).
import { A, useNavigate } from '@solidjs/router'
import { createSignal, For, Show, type JSX } from 'solid-js'
import { session, signOut } from '../lib/session.ts'
import { allShortcuts, keyLabel, useShortcuts } from '../lib/keyboard.ts'
import { cycleTheme, theme } from '../lib/theme.ts'
import { Dialog } from './dialog.tsx'
import { Icon, type IconName } from './icons.tsx'

interface NavItem {
  href: string
  label: string
  icon?: IconName
  keys?: string
  end?: boolean
  sub?: boolean
}

const NAV: Array<{ section?: string; items: NavItem[] }> = [
  {
    items: [
      { href: '/', label: 'Live inspector', icon: 'pulse', keys: 'g i', end: true },
      { href: '/tables', label: 'Tables', icon: 'table', keys: 'g t' },
      { href: '/sql', label: 'SQL editor', icon: 'terminal', keys: 'g s' },
      { href: '/live-queries', label: 'Live queries', icon: 'bolt', keys: 'g l' },
    ],
  },
  {
    section: 'Auth',
    items: [
      { href: '/auth/users', label: 'Users', icon: 'users', keys: 'g u' },
      { href: '/auth/sessions', label: 'Sessions', icon: 'list' },
      { href: '/auth/mail', label: 'Mail outbox', icon: 'mail', keys: 'g m' },
      { href: '/auth/audit', label: 'Audit log', icon: 'history' },
      { href: '/auth/settings', label: 'Settings', icon: 'settings' },
      { href: '/auth/keys', label: 'API keys', icon: 'key', keys: 'g k' },
    ],
  },
]

export function Shell(props: { children?: JSX.Element }) {
  const navigate = useNavigate()
  const [help, setHelp] = createSignal(false)
  useShortcuts([
    ...NAV.flatMap((group) => group.items)
      .filter((item) => item.keys)
      .map((item) => ({ keys: item.keys!, description: `Go to ${item.label}`, run: () => navigate(item.href) })),
    { keys: '?', description: 'Keyboard shortcuts', run: () => setHelp(true) },
  ])
  return (
    <div class="app">
      <nav class="sidebar" aria-label="Studio">
        <div class="brand">
          <img src="/studio/favicon.svg" alt="" />
          <span>pgStack</span>
          <small>Studio</small>
        </div>
        <For each={NAV}>
          {(group) => (
            <>
              <Show when={group.section}>
                <div class="nav-section">{group.section}</div>
              </Show>
              <For each={group.items}>
                {(item) => (
                  <A href={item.href} end={item.end} class="nav-link" activeClass="active">
                    <Show when={item.icon}>
                      <Icon name={item.icon!} />
                    </Show>
                    <span>{item.label}</span>
                    <Show when={item.keys}>
                      <kbd title={`Press ${keyLabel(item.keys!)}`}>{item.keys!.toUpperCase()}</kbd>
                    </Show>
                  </A>
                )}
              </For>
            </>
          )}
        </For>
        <div class="sidebar-foot">
          <div class="who ellipsis" title={session()?.email ?? 'service key'}>
            Signed in with {session()?.kind === 'admin_user' ? session()?.email : 'the service key'}
          </div>
          <div class="row" style={{ gap: '4px' }}>
            <button class="btn ghost icon" onClick={cycleTheme} aria-label={`Switch to the ${theme() === 'dark' ? 'light' : 'dark'} theme`} title={`${theme() === 'dark' ? 'Light' : 'Dark'} theme`}>
              <Icon name={theme() === 'dark' ? 'sun' : 'moon'} />
            </button>
            <button class="btn ghost icon" onClick={() => setHelp(true)} aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)">
              <Icon name="keyboard" />
            </button>
            <span class="spacer" />
            <button class="btn ghost small" onClick={() => signOut()}>
              <Icon name="logout" />
              Sign out
            </button>
          </div>
        </div>
      </nav>
      <main class="main">{props.children}</main>
      <Show when={help()}>
        <Dialog title="Keyboard shortcuts" onClose={() => setHelp(false)}>
          <table class="data">
            <tbody>
              <For each={dedupe(allShortcuts())}>
                {(s) => (
                  <tr>
                    <td style={{ width: '40%' }}>
                      <For each={s.keys.split(' ')}>{(k, i) => <>{i() > 0 && ' then '}<kbd>{keyLabel(k)}</kbd></>}</For>
                    </td>
                    <td>{s.description}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </Dialog>
      </Show>
    </div>
  )
}

function dedupe<T extends { description: string; keys: string }>(list: T[]): T[] {
  const seen = new Set<string>()
  return list.filter((s) => !seen.has(s.description + s.keys) && seen.add(s.description + s.keys))
}

/** The page's title bar; actions go on the right. */
export function PageHead(props: { title: JSX.Element; children?: JSX.Element }) {
  return (
    <header class="page-head">
      <h1>{props.title}</h1>
      <span class="spacer" />
      {props.children}
    </header>
  )
}
