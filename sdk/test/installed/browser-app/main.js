// Signs in with the credentials in the page's query string, then shows the open todos twice, live:
// through React (useLiveQuery) and through Solid (createLiveQuery). Plain JavaScript, no JSX, so
// that the app needs nothing but the packages and Vite. Each list carries its state in data-state.
/* global document, location */
import { createElement } from 'react'
import { createRoot } from 'react-dom/client'
import { createEffect, createRoot as createSolidRoot } from 'solid-js'
import { createClient } from '@pgstack/sdk/pgstack'
import { useLiveQuery } from '@pgstack/sdk/react'
import { createLiveQuery } from '@pgstack/sdk/solid'

const params = new URLSearchParams(location.search)
const pgstack = createClient(params.get('url'), params.get('key'))
const signedIn = await pgstack.auth.signInWithPassword({ email: params.get('email'), password: params.get('password') })
if (signedIn.error) document.body.dataset.error = signedIn.error.message

const openTodos = () => pgstack.from('todos').select('id, title').eq('done', false).order('id').live()

function ReactTodos() {
  const { rows, state } = useLiveQuery(openTodos, [])
  return createElement(
    'ul',
    { id: 'react', 'data-state': state },
    rows.map((row) => createElement('li', { key: row.id }, row.title)),
  )
}
createRoot(document.getElementById('react-root')).render(createElement(ReactTodos))

createSolidRoot(() => {
  const todos = createLiveQuery(openTodos)
  const list = document.getElementById('solid')
  createEffect(() => {
    list.dataset.state = todos.state
    list.replaceChildren(
      ...todos.rows.map((row) => {
        const item = document.createElement('li')
        item.textContent = row.title
        return item
      }),
    )
  })
})
