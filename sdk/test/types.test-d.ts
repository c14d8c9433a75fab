// Compile-time test (checked by `npx tsc -p tsconfig.json`, never run): database types flow from
// createClient<Database>() into rows, filters, inserts, rpc and live rows, and a wrong column fails.
import { createClient, type LiveQuery } from '@pgstack/sdk/pgstack'
import type { Database } from './database.ts'

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
const expectType = <T extends true>(_: T) => {}
/** `exact<T>()(value)` compiles only when value's type is exactly T. */
const exact =
  <Expected>() =>
  <Actual>(value: Actual, ..._mismatch: Equal<Actual, Expected> extends true ? [] : [never]) =>
    value

type Todo = Database['public']['Tables']['todos']['Row']
const pgstack = createClient<Database>('http://127.0.0.1:8080', 'anon-key')

export async function typeChecks() {
  // The seed example, verbatim: rows are Todo.
  const { data: todos } = await pgstack
    .from('todos')
    .select('*')
    .eq('done', false)
    .order('created_at', { ascending: false })
  exact<Todo[] | null>()(todos)

  // The select parser narrows and embeds.
  const { data: titles } = await pgstack.from('todos').select('id, title').limit(3)
  exact<{ id: number; title: string }[] | null>()(titles)
  const { data: tagged } = await pgstack.from('tags').select('name, todos(title)').single()
  exact<{ name: string; todos: { title: string } } | null>()(tagged)

  // Filters check the column and its value type.
  // @ts-expect-error: 'finished' is not a column of todos
  pgstack.from('todos').select('*').eq('finished', false)
  // @ts-expect-error: done is a boolean
  pgstack.from('todos').select('*').eq('done', 'no')
  // @ts-expect-error: 'todoz' is not a table or view
  pgstack.from('todoz')

  // A wrong column in select is reported in the row type, as postgrest-js does.
  const { data: wrong } = await pgstack.from('todos').select('finished')
  expectType<NonNullable<typeof wrong>[number] extends { finished: unknown } ? false : true>(true)
  void wrong

  // Inserts are checked against Insert.
  await pgstack.from('todos').insert({ title: 'x' }).select()
  // @ts-expect-error: title is required
  await pgstack.from('todos').insert({ done: true })

  // Views and functions.
  const { data: open } = await pgstack.from('open_todos').select('title')
  exact<{ title: string | null }[] | null>()(open)
  const { data: sum } = await pgstack.rpc('add_numbers', { a: 1, b: 2 })
  exact<number | null>()(sum)
  // @ts-expect-error: add_numbers takes a and b
  await pgstack.rpc('add_numbers', { a: 1, c: 2 })

  // Live rows carry the select's type through filters and modifiers.
  const live = pgstack.from('todos').select('id, title').eq('done', false).order('id').live()
  exact<LiveQuery<{ id: number; title: string }>>()(live)
  const first: { id: number; title: string } | undefined = live.rows[0]
  void first
  const named = pgstack.live<Todo>('active_todos', { params: { owner: 'x' } })
  exact<readonly Todo[]>()(named.rows)
}
