// Data a page loads from the hub: the last good value (kept while the next request runs, so the
// page does not jump), the last error, and whether a request is on its way. A late answer to an
// older request is dropped. Unlike Solid's createResource, reading it never throws.
import { batch, createComputed, createSignal, untrack } from 'solid-js'
import type { ApiError } from './api.ts'

export type Outcome<T> = { data: T; error: null } | { data: null; error: ApiError }

export interface ApiResource<T> {
  (): T | undefined
  error(): ApiError | null
  loading(): boolean
  refetch(): void
  mutate(value: T): void
}

export function apiResource<S, T>(source: () => S | false | null | undefined, fetcher: (source: S) => Promise<Outcome<T>>): ApiResource<T> {
  const [data, setData] = createSignal<T | undefined>(undefined)
  const [error, setError] = createSignal<ApiError | null>(null)
  const [loading, setLoading] = createSignal(false)
  const [tick, setTick] = createSignal(0)
  let latest = 0
  createComputed(() => {
    tick()
    const value = source()
    if (value === false || value === null || value === undefined) return
    const request = ++latest
    setLoading(true)
    void untrack(() => fetcher(value)).then((outcome) => {
      if (request !== latest) return
      batch(() => {
        setLoading(false)
        setError(outcome.error)
        if (!outcome.error) setData(() => outcome.data)
      })
    })
  })
  const resource = (() => data()) as ApiResource<T>
  resource.error = error
  resource.loading = loading
  resource.refetch = () => setTick((t) => t + 1)
  resource.mutate = (value) => setData(() => value)
  return resource
}

/** A resource with no changing input: loaded once, refetched on demand. */
export function apiLoad<T>(fetcher: () => Promise<Outcome<T>>): ApiResource<T> {
  return apiResource(() => true, () => fetcher())
}
