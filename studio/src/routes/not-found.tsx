// A Studio path that no page serves.
import { A, useLocation } from '@solidjs/router'
import { PageHead } from '../components/shell.tsx'

export default function NotFound() {
  const location = useLocation()
  return (
    <>
      <PageHead title="Not found" />
      <div class="empty">
        <strong>No page at {location.pathname}</strong>
        <A href="/">Back to the live inspector</A>
      </div>
    </>
  )
}
