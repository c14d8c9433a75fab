// The quick example of the SDK's README as a user's app runs it: a plain ESM file, no loader, no
// TypeScript, importing @pgstack/sdk installed from its tarball. Signs in, reads todos, then
// follows a live query while it inserts one. Prints one JSON line with what it saw.
// Usage: node quick-example.mjs <url> <anonKey> <email> <password> <new title>
import { createClient, websocketTransport } from '@pgstack/sdk/pgstack'

const [url, anonKey, email, password, title] = process.argv.slice(2)

// Node 20 has no global WebSocket unless started with --experimental-websocket: pass ws's.
const websocket = typeof WebSocket === 'undefined' ? 'ws' : 'global'
const live = websocket === 'ws' ? { transport: websocketTransport({ WebSocket: (await import('ws')).WebSocket }) } : {}
const pgstack = createClient(url, anonKey, { live, auth: { persistSession: false } })

/** Resolves once `predicate` holds for the query (now, or after a change it reports). */
function until(query, predicate, what) {
  return new Promise((resolve, reject) => {
    let stop = () => {}
    const check = (q) => {
      if (q.state === 'error') reject(new Error(JSON.stringify(q.error)))
      else if (!predicate(q)) return
      clearTimeout(timer)
      queueMicrotask(() => stop())
      resolve()
    }
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; state ${query.state}`)), 30_000)
    stop = query.subscribe(check)
    // The change may have come already (a delta can arrive before the insert's own response).
    check(query)
  })
}

const signedIn = await pgstack.auth.signInWithPassword({ email, password })
if (signedIn.error) throw signedIn.error

const { data: todos, error } = await pgstack
  .from('todos')
  .select('*')
  .eq('done', false)
  .order('created_at', { ascending: false })
if (error) throw new Error(JSON.stringify(error))

const open = pgstack.from('todos').select('id, title').eq('done', false).order('id').live()
await until(open, (q) => q.state === 'live', 'the live query')
const before = open.rows.map((row) => row.title)
const inserted = await pgstack.from('todos').insert({ title })
if (inserted.error) throw new Error(JSON.stringify(inserted.error))
await until(open, (q) => q.rows.some((row) => row.title === title), 'the inserted row')

console.log(
  JSON.stringify({
    node: process.version,
    websocket,
    todos: todos.map((todo) => todo.title),
    before,
    after: open.rows.map((row) => row.title),
  }),
)
open.close()
await pgstack.close()
