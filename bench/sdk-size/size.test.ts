// Guards the SDK's browser bundle: it must bundle for the browser at all (no Node-only imports)
// and stay well under supabase-js's size.
import t from 'tap'
import { measureAll } from './sizes.ts'

t.test(
  '@pgstack/sdk/pgstack bundles for the browser and stays under 60% of supabase-js gzipped',
  async (t) => {
    const [ours, theirs] = await measureAll()
    t.ok(ours && theirs)
    t.comment(`pgstack ${ours!.gzip} B gzip, supabase-js ${theirs!.gzip} B gzip`)
    t.ok(ours!.gzip < theirs!.gzip * 0.6, `${ours!.gzip} < 60% of ${theirs!.gzip}`)
    t.ok(ours!.gzip < 35 * 1024, 'under 35 KB gzipped')
  },
)
