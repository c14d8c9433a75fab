// Every REST request carries the anon key as `apikey` and the current user's token (else the anon
// key) as the bearer, read per request so refreshed tokens are used at once.

type Fetch = typeof fetch

export function fetchWithAuth(
  anonKey: string,
  getToken: () => Promise<string | null>,
  base?: Fetch,
): Fetch {
  return async (input, init) => {
    const headers = new Headers(init?.headers)
    if (!headers.has('apikey')) headers.set('apikey', anonKey)
    if (!headers.has('Authorization'))
      headers.set('Authorization', `Bearer ${(await getToken()) ?? anonKey}`)
    return (base ?? fetch)(input, { ...init, headers })
  }
}
