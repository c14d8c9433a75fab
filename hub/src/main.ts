// The production server process (`npm start`, `pgstack start`, the server image; importing this
// module starts it): checks the platform before uWebSockets.js loads, reads the production
// configuration from the environment, applies migrations and serves until SIGINT/SIGTERM, which
// close the server within PGSTACK_SHUTDOWN_TIMEOUT_MS (shutdown.ts).
// `npm run dev` composes startHub itself with development defaults.
import { ConfigError, loadConfig } from './config.ts'
import type { Hub } from './server.ts'
import { describeProductionSettings } from './config-production.ts'
import { RUNTIME_REQUIREMENT, currentRuntime, describeRuntime, runtimeProblem } from './runtime.ts'
import { shutdownHandler } from './shutdown.ts'

function fail(line: string): never {
  console.error(line)
  process.exit(1)
}

const runtime = currentRuntime()
const problem = runtimeProblem(runtime)
if (problem) fail(problem)
console.log(`pgStack server on ${describeRuntime(runtime)} (needs ${RUNTIME_REQUIREMENT}).`)

let config
try {
  config = loadConfig(process.env, 'production')
} catch (error) {
  fail(error instanceof ConfigError ? error.message : `pgStack failed to start: ${(error as Error).message}`)
}
for (const line of describeProductionSettings(process.env)) console.log(line)

// Stop signals count from here on: one during migrations ends the process (PostgreSQL rolls the
// open transaction back); one after start closes the server first.
let hub: Hub | undefined
const stop = shutdownHandler({
  close: async () => {
    await hub?.close()
  },
  timeoutMs: config.shutdownTimeoutMs,
  log: (line) => console.log(`pgStack: ${line}`),
  exit: (code) => process.exit(code),
})
process.on('SIGINT', stop)
process.on('SIGTERM', stop)

try {
  const { startHub } = await import('./server.ts')
  hub = await startHub({ config })
  console.log(`pgStack listening on ${hub.url}`)
} catch (error) {
  fail(`pgStack failed to start: ${(error as Error).message}`)
}
