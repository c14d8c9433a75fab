// Bundles @pgstack/sdk/pgstack and @supabase/supabase-js for the browser with esbuild (minified,
// tree-shaken), gzips each and prints the sizes side by side. Two entries per package: everything
// it exports, and an app that only calls createClient (what tree-shaking leaves for a typical app);
// then the SDK's other entry points, each whole (react and solid-js, peers an app already has,
// left out).
import { build } from 'esbuild'
import { gzipSync, brotliCompressSync, constants } from 'node:zlib'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..', '..')

export const cases = [
  { name: '@pgstack/sdk/pgstack', entry: "export * from '@pgstack/sdk/pgstack'" },
  { name: '@supabase/supabase-js', entry: "export * from '@supabase/supabase-js'" },
  {
    name: '@pgstack/sdk/pgstack (createClient only)',
    entry:
      "import { createClient } from '@pgstack/sdk/pgstack'; globalThis.c = createClient('https://x', 'k')",
  },
  {
    name: '@supabase/supabase-js (createClient only)',
    entry:
      "import { createClient } from '@supabase/supabase-js'; globalThis.c = createClient('https://x', 'k')",
  },
  { name: '@pgstack/sdk', entry: "export * from '@pgstack/sdk'" },
  { name: '@pgstack/sdk/react', entry: "export * from '@pgstack/sdk/react'" },
  { name: '@pgstack/sdk/solid', entry: "export * from '@pgstack/sdk/solid'" },
  { name: '@pgstack/sdk/exact-json', entry: "export * from '@pgstack/sdk/exact-json'" },
]

export interface Size {
  name: string
  minified: number
  gzip: number
  brotli: number
}

export async function measure(entry: string): Promise<Omit<Size, 'name'>> {
  const result = await build({
    stdin: { contents: entry, resolveDir: root, sourcefile: 'entry.ts', loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'error',
    // The SDK's source (the workspace's dev condition): what its dist/ compiles from one file per file.
    conditions: ['@pgstack/source'],
    // Optional peers that supabase-js loads lazily when present (an app without them gets none),
    // and the frameworks our bindings sit on (an app that uses them has them already).
    external: ['@opentelemetry/api', 'react', 'solid-js'],
  })
  const code = result.outputFiles[0]!.contents
  return {
    minified: code.length,
    gzip: gzipSync(code, { level: 9 }).length,
    brotli: brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  }
}

/** Sizes of every case, in the order of `cases`. */
export async function measureAll(): Promise<Size[]> {
  const sizes: Size[] = []
  for (const c of cases) sizes.push({ name: c.name, ...(await measure(c.entry)) })
  return sizes
}
