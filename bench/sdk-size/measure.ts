// Prints the minified, gzip and brotli sizes of @pgstack/sdk/pgstack beside @supabase/supabase-js
// (see sizes.ts for how they are bundled). Run: node --conditions=@pgstack/source --import tsx bench/sdk-size/measure.ts [--json]
import { measureAll } from './sizes.ts'

const sizes = await measureAll()

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(sizes, null, 2))
} else {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`.padStart(9)
  console.log(
    `${'bundle (esm, browser, minified)'.padEnd(44)} ${'min'.padStart(9)} ${'gzip'.padStart(9)} ${'brotli'.padStart(9)}`,
  )
  for (const s of sizes)
    console.log(`${s.name.padEnd(44)} ${kb(s.minified)} ${kb(s.gzip)} ${kb(s.brotli)}`)
  const [ours, theirs] = sizes
  if (ours && theirs)
    console.log(
      `\n@pgstack/sdk/pgstack is ${((ours.gzip / theirs.gzip) * 100).toFixed(0)}% of supabase-js gzipped.`,
    )
}
