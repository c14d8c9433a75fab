// The server process for deployments (the container image runs this): configuration from the
// environment, migrations, then serve until SIGINT/SIGTERM. `npm run dev` uses startHub directly.
import { ConfigError, loadConfig } from './config.ts'
import { startHub } from './server.ts'

try {
  const hub = await startHub({ config: loadConfig() })
  console.log(`pgStack listening on ${hub.url}`)
  const stop = () => void hub.close().then(() => process.exit(0))
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `pgStack failed to start: ${(error as Error).message}`)
  process.exit(1)
}
