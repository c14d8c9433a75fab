// JSON text read without JSON.parse where a value must keep its exact digits (bigint keys,
// 25-digit numerics): skip a value, take the raw text of an object's members, or of the value at
// a path. Malformed text throws JsonTextError; callers turn it into their 4xx.

export class JsonTextError extends Error {}

const WS = new Set([' ', '\t', '\n', '\r'])

function skipWs(text: string, pos: number): number {
  while (pos < text.length && WS.has(text[pos]!)) pos++
  return pos
}

function fail(text: string, pos: number): never {
  throw new JsonTextError(pos >= text.length ? 'unexpected end of JSON' : `unexpected ${JSON.stringify(text[pos])} at position ${pos}`)
}

/** The end (exclusive) of the JSON value starting at `pos` (after whitespace). */
export function skipValue(text: string, pos: number): number {
  pos = skipWs(text, pos)
  const ch = text[pos]
  if (ch === '"') {
    for (let i = pos + 1; i < text.length; i++) {
      if (text[i] === '\\') i++
      else if (text[i] === '"') return i + 1
    }
    fail(text, text.length)
  }
  if (ch === '{' || ch === '[') {
    const close = ch === '{' ? '}' : ']'
    pos = skipWs(text, pos + 1)
    if (text[pos] === close) return pos + 1
    for (;;) {
      if (ch === '{') {
        if (text[pos] !== '"') fail(text, pos)
        pos = skipWs(text, skipValue(text, pos))
        if (text[pos] !== ':') fail(text, pos)
        pos++
      }
      pos = skipWs(text, skipValue(text, pos))
      if (text[pos] === ',') pos = skipWs(text, pos + 1)
      else if (text[pos] === close) return pos + 1
      else fail(text, pos)
    }
  }
  const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(pos, pos + 400))
  if (!m) fail(text, pos)
  return pos + m[0].length
}

/** Checks that `text` is exactly one JSON value. */
export function checkJson(text: string): void {
  if (skipWs(text, skipValue(text, 0)) !== text.length) fail(text, skipWs(text, skipValue(text, 0)))
}

/** An object's members as [key, raw value text]; undefined when `text` is not an object. */
export function rawMembers(text: string): [string, string][] | undefined {
  let pos = skipWs(text, 0)
  if (text[pos] !== '{') return undefined
  const members: [string, string][] = []
  pos = skipWs(text, pos + 1)
  if (text[pos] === '}') return members
  for (;;) {
    const keyEnd = skipValue(text, pos)
    const key = JSON.parse(text.slice(pos, keyEnd)) as string
    pos = skipWs(text, keyEnd) + 1
    const start = skipWs(text, pos)
    const end = skipValue(text, start)
    members.push([key, text.slice(start, end)])
    pos = skipWs(text, end)
    if (text[pos] === '}') return members
    pos = skipWs(text, pos + 1)
  }
}

/** An array's elements as raw texts; undefined when `text` is not an array. */
export function rawElements(text: string): string[] | undefined {
  let pos = skipWs(text, 0)
  if (text[pos] !== '[') return undefined
  const items: string[] = []
  pos = skipWs(text, pos + 1)
  if (text[pos] === ']') return items
  for (;;) {
    const end = skipValue(text, pos)
    items.push(text.slice(pos, end))
    pos = skipWs(text, end)
    if (text[pos] === ']') return items
    pos = skipWs(text, pos + 1)
  }
}

/** The raw text of the value at `path` (object keys, array indexes), or undefined. */
export function rawAt(text: string, path: string[]): string | undefined {
  let current = text.trim()
  for (const step of path) {
    const members = rawMembers(current)
    if (members) {
      const found = members.find(([k]) => k === step)
      if (!found) return undefined
      current = found[1]
      continue
    }
    const items = rawElements(current)
    if (!items || !/^\d+$/.test(step)) return undefined
    const item = items[Number(step)]
    if (item === undefined) return undefined
    current = item
  }
  return current
}
