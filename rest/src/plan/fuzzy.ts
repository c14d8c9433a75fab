// "Perhaps you meant …" suggestions, scored as PostgREST's fuzzy set scores them: cosine
// similarity of character 3-grams (then 2-grams when nothing matches), the best 50 rescored by
// normalised Levenshtein similarity, kept at 0.33 and above. Only error hints use it, never a plan.

const MIN_SCORE = 0.33

const normalize = (s: string) => s.toLowerCase().replace(/[^a-z0-9\u00c0-\u00ff, ]+/g, '')

function grams(value: string, size: number): Map<string, number> {
  let padded = `-${normalize(value)}-`
  while (padded.length < size) padded += '-'
  const counts = new Map<string, number>()
  for (let i = 0; i + size <= padded.length; i++) {
    const gram = padded.slice(i, i + size)
    counts.set(gram, (counts.get(gram) ?? 0) + 1)
  }
  return counts
}

const norm = (v: Map<string, number>) => Math.sqrt([...v.values()].reduce((sum, n) => sum + n * n, 0))

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    prev = row
  }
  return prev[b.length]!
}

/** Candidates similar to `value`, best first, each with its score in [0.33, 1]. */
export function fuzzyMatches(candidates: Iterable<string>, value: string): [number, string][] {
  const list = [...new Set(candidates)]
  const exact = list.find((c) => c.toLowerCase() === value.toLowerCase())
  if (exact !== undefined) return [[1, exact]]
  for (const size of [3, 2]) {
    const wanted = grams(value, size)
    const wantedNorm = norm(wanted)
    const scored: [number, string][] = []
    for (const candidate of list) {
      const have = grams(candidate, size)
      let dot = 0
      for (const [gram, n] of wanted) dot += n * (have.get(gram) ?? 0)
      if (dot > 0) scored.push([dot / (wantedNorm * norm(have)), candidate])
    }
    if (!scored.length) continue
    scored.sort((a, b) => b[0] - a[0])
    // Rescored on the lower-cased strings themselves (not the normalized ones), as PostgREST's set does.
    const a = value.toLowerCase()
    const rescored = scored.slice(0, 50).map(([, c]): [number, string] => {
      const b = c.toLowerCase()
      return [1 - levenshtein(a, b) / Math.max(a.length, b.length, 1), c]
    })
    const kept = rescored.filter(([score]) => score >= MIN_SCORE).sort((x, y) => y[0] - x[0])
    if (kept.length) return kept
  }
  return []
}

/** The best candidate for `value`, if any is close enough. */
export function closest(candidates: Iterable<string>, value: string): string | undefined {
  return fuzzyMatches(candidates, value)[0]?.[1]
}
