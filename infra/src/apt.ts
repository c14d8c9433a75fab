// Installs Debian packages the project's own setup needs (server headers for pg_reactive,
// Chromium for browser tests): with apt-get when we are root, otherwise one sentence saying
// what to install. Also the one place that runs a setup command and reports its failure.
import { spawnSync } from 'node:child_process'
import { isRoot } from './os-user.ts'
import { InfraError } from './pg-binaries.ts'

type Log = (line: string) => void

/** Runs a setup command to completion; its failure carries the command and its last output. */
export function runSetupCommand(file: string, args: string[], log: Log, what: string): void {
  log(`${what}…`)
  const result = spawnSync(file, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`
      .trim()
      .split('\n')
      .slice(-20)
      .join('\n')
    throw new InfraError(`${what} failed (${file} ${args.join(' ')}):\n${output}`)
  }
}

/**
 * Installs `pkg` with apt-get as root; otherwise throws an InfraError whose message is the one
 * line telling the user what to install (`need` says what for, `orElse` any alternative).
 */
export function aptInstall(pkg: string, need: string, log: Log, orElse = ''): void {
  if (!isRoot()) {
    throw new InfraError(
      `${need}: install it with \`sudo apt-get install -y ${pkg}\`${orElse} and run this again.`,
    )
  }
  runSetupCommand('apt-get', ['update', '-q'], log, 'Updating the apt package lists')
  runSetupCommand('apt-get', ['install', '-y', '-q', pkg], log, `Installing ${pkg} with apt-get`)
}
