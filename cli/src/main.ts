// The pgstack command line. Each command lives in its own file.
import { dev } from './dev.ts'

const USAGE = 'usage: pgstack dev'

async function main(argv: string[]): Promise<void> {
  const [command] = argv
  switch (command) {
    case 'dev':
      await dev(process.cwd())
      return
    default:
      console.error(command ? `pgstack: unknown command "${command}"\n${USAGE}` : USAGE)
      process.exitCode = 2
  }
}

await main(process.argv.slice(2))
