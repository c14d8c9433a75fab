// The server's platform requirements, stated and checked at start before uWebSockets.js loads: its
// native binaries for Node 22 and 24 need glibc 2.38 (the Node 20 one needs 2.27, under Node 20's
// own 2.28), and a binary that fails to load says little about why. Owns no state.

/** Node.js majors the server supports, each with the glibc its uWebSockets.js binary needs. */
const GLIBC_FOR_NODE: Record<number, string> = { 20: '2.28', 22: '2.38', 24: '2.38' }

export const RUNTIME_REQUIREMENT = 'Node.js 20 on glibc ≥ 2.28, or Node.js 22 or 24 on glibc ≥ 2.38'

export interface Runtime {
  /** `process.version`, e.g. `v20.20.2`. */
  node: string
  platform: NodeJS.Platform
  /** The C library's version on Linux with glibc; undefined elsewhere (and on musl). */
  glibc: string | undefined
}

export function currentRuntime(): Runtime {
  const header =
    process.platform === 'linux'
      ? (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header
      : undefined
  return { node: process.version, platform: process.platform, glibc: header?.glibcVersionRuntime }
}

export function describeRuntime(runtime: Runtime): string {
  const libc = runtime.platform !== 'linux' ? runtime.platform : runtime.glibc ? `glibc ${runtime.glibc}` : 'no glibc (musl?)'
  return `Node.js ${runtime.node} on ${libc}`
}

function versionAtLeast(version: string, minimum: string): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number)
  const [c = 0, d = 0] = minimum.split('.').map(Number)
  return a > c || (a === c && b >= d)
}

/** Why the server cannot run on `runtime`, in one line with the fix; undefined when it can. */
export function runtimeProblem(runtime: Runtime): string | undefined {
  const major = Number(runtime.node.replace(/^v/, '').split('.')[0])
  const here = describeRuntime(runtime)
  const needed = GLIBC_FOR_NODE[major]
  if (!needed) {
    return `pgStack's server needs ${RUNTIME_REQUIREMENT}; this is ${here}: run it with Node.js 20, 22 or 24 (an LTS).`
  }
  if (runtime.platform !== 'linux') return undefined
  if (!runtime.glibc) {
    return `pgStack's server needs ${RUNTIME_REQUIREMENT}; this is ${here}: use a glibc-based system (e.g. Debian), not Alpine/musl.`
  }
  if (!versionAtLeast(runtime.glibc, needed)) {
    return `pgStack's server needs ${RUNTIME_REQUIREMENT}; this is ${here}: run it with Node.js 20 here, or on a system with glibc ≥ ${needed} (e.g. Debian 13).`
  }
  return undefined
}
