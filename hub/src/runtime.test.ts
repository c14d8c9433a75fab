import t from 'tap'
import { RUNTIME_REQUIREMENT, currentRuntime, describeRuntime, runtimeProblem, type Runtime } from './runtime.ts'

const linux = (node: string, glibc: string | undefined): Runtime => ({ node, platform: 'linux', glibc })

t.test("the server's Node and glibc requirement, judged", async (t) => {
  t.equal(runtimeProblem(linux('v20.20.2', '2.36')), undefined, 'Node 20 on Debian 12')
  t.equal(runtimeProblem(linux('v22.23.3', '2.38')), undefined, 'Node 22 on glibc 2.38')
  t.equal(runtimeProblem(linux('v24.21.0', '2.41')), undefined, 'Node 24 on Debian 13')
  t.equal(runtimeProblem(linux('v20.1.0', '2.28')), undefined)
  t.equal(runtimeProblem({ node: 'v22.1.0', platform: 'darwin', glibc: undefined }), undefined, 'no glibc outside Linux')
  t.match(runtimeProblem(linux('v22.23.3', '2.36')), /needs .*; this is Node\.js v22\.23\.3 on glibc 2\.36: run it with Node\.js 20 here, or on a system with glibc ≥ 2\.38/)
  t.match(runtimeProblem(linux('v24.0.0', '2.9')), /glibc ≥ 2\.38/, 'versions compare as numbers, not text')
  t.match(runtimeProblem(linux('v20.20.2', '2.27')), /glibc ≥ 2\.28/)
  t.match(runtimeProblem(linux('v18.20.0', '2.36')), /run it with Node\.js 20, 22 or 24/)
  t.match(runtimeProblem(linux('v23.1.0', '2.40')), /run it with Node\.js 20, 22 or 24/, 'odd majors are not supported')
  t.match(runtimeProblem(linux('v20.20.2', undefined)), /not Alpine\/musl/)
  for (const problem of [runtimeProblem(linux('v22.23.3', '2.36')), runtimeProblem(linux('v18.0.0', '2.36'))]) {
    t.notMatch(problem, /\n/, 'one line')
    t.match(problem, RUNTIME_REQUIREMENT)
  }
})

t.test('this process is described with its real versions', async (t) => {
  const here = currentRuntime()
  t.equal(here.node, process.version)
  if (process.platform === 'linux') t.match(here.glibc, /^\d+\.\d+$/)
  t.match(describeRuntime(here), process.version)
})
