// Routes of the Studio under /studio. Every page but sign-in needs a session; pages load on
// demand, so the inspector opens without CodeMirror or the auth pages in its bundle.
import { Route, Router, type RouteSectionProps } from '@solidjs/router'
import { lazy, Show } from 'solid-js'
import { Shell } from './components/shell.tsx'
import { Toasts } from './components/toast.tsx'
import { session } from './lib/session.ts'
import { applyTheme } from './lib/theme.ts'
import { SignIn } from './routes/sign-in.tsx'

const Inspector = lazy(() => import('./routes/inspector.tsx'))
const NotFound = lazy(() => import('./routes/not-found.tsx'))

function Root(props: RouteSectionProps) {
  applyTheme()
  return (
    <>
      <Show when={session()} fallback={<SignIn />}>
        <Shell>{props.children}</Shell>
      </Show>
      <Toasts />
    </>
  )
}

export function App() {
  return (
    <Router base="/studio" root={Root}>
      <Route path="/" component={Inspector} />
      <Route path="*" component={NotFound} />
    </Router>
  )
}
