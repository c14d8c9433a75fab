import t from 'tap'
import { countTap } from './tap-counts.ts'

t.test('counts leaf assertions, not the subtest lines that close them', async (t) => {
  const stream = `TAP version 14
1..2
# Subtest: a.test.ts
    # Subtest: one
        ok 1 - should be equal
        not ok 2 - should be equal
          ---
          at:
            line: 3
          ...
        ok 3 - after a failure
        1..3
    not ok 1 - one # time=1ms
    1..1
not ok 1 - a.test.ts # time=2ms
# Subtest: b.test.ts
    # Subtest: timed out
        not ok 1 - timeout!
          ---
          expired: x
          ...
    not ok 1 - timed out
    ok 2 - skipped thing # SKIP no docker
    1..2
not ok 2 - b.test.ts
`
  t.same(countTap(stream), { passed: 2, failed: 2 })
})
