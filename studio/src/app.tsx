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
const Tables = lazy(() => import('./routes/tables.tsx'))
const Sql = lazy(() => import('./routes/sql.tsx'))
const AuthUsers = lazy(() => import('./routes/auth-users.tsx'))
const AuthSessions = lazy(() => import('./routes/auth-sessions.tsx'))
const AuthMail = lazy(() => import('./routes/auth-mail.tsx'))
const AuthAudit = lazy(() => import('./routes/auth-audit.tsx'))
const AuthSettings = lazy(() => import('./routes/auth-settings.tsx'))
const Keys = lazy(() => import('./routes/keys.tsx'))
const LiveQueries = lazy(() => import('./routes/live-queries.tsx'))
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
      <Route path="/tables/:schema?/:table?" component={Tables} />
      <Route path="/sql" component={Sql} />
      <Route path="/live-queries" component={LiveQueries} />
      <Route path="/auth/users" component={AuthUsers} />
      <Route path="/auth/sessions" component={AuthSessions} />
      <Route path="/auth/mail" component={AuthMail} />
      <Route path="/auth/audit" component={AuthAudit} />
      <Route path="/auth/settings" component={AuthSettings} />
      <Route path="/auth/keys" component={Keys} />
      <Route path="*" component={NotFound} />
    </Router>
  )
}
