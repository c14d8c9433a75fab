// Runs `pgstack` as a user runs it from a checkout (node_modules/.bin/pgstack → cli/bin/pgstack.mjs,
// no NODE_OPTIONS of the test run): exit code, stdout and stderr. Asynchronous, so that a server
// in the test's own process keeps answering meanwhile.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { userCommand, userEnv } from '@pgstack/infra/testing'

export const PGSTACK_BIN = join(import.meta.dirname, '..', 'bin', 'pgstack.mjs')

export interface Ran {
  code: number
  stdout: string
  stderr: string
}

export function pgstack(args: string[], options: { cwd: string; env?: Record<string, string | undefined>; timeout?: number }): Promise<Ran> {
  const env = userEnv({ ...process.env, ...options.env })
  for (const [key, value] of Object.entries(options.env ?? {})) if (value === undefined) delete env[key]
  const [file, argv] = userCommand(process.execPath, [PGSTACK_BIN, ...args])
  return new Promise((resolve) => {
    execFile(file, argv, { cwd: options.cwd, env, encoding: 'utf8', timeout: options.timeout ?? 300_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1) : 0
      resolve({ code, stdout, stderr })
    })
  })
}

/** A long-running pgstack (dev, start, replay --follow) with its output collected. */
export interface Running {
  child: ChildProcess
  output(): string
  exited: Promise<number | null>
  /** Resolves once the output contains `text` (rejects if the process exits first or after `ms`). */
  until(text: string | RegExp, ms?: number): Promise<void>
}

export function spawnPgstack(args: string[], options: { cwd: string; env?: Record<string, string | undefined> }): Running {
  return spawnCommand(process.execPath, [PGSTACK_BIN, ...args], options)
}

/** Any long-running command, run as a user runs it (no NODE_OPTIONS of the test run). */
export function spawnCommand(command: string, args: string[], options: { cwd: string; env?: Record<string, string | undefined> }): Running {
  const env = userEnv({ ...process.env, ...options.env })
  for (const [key, value] of Object.entries(options.env ?? {})) if (value === undefined) delete env[key]
  const [file, argv] = userCommand(command, args)
  const child = spawn(file, argv, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (chunk) => (output += chunk))
  child.stderr!.on('data', (chunk) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  let done = false
  void exited.then(() => (done = true))
  return {
    child,
    output: () => output,
    exited,
    async until(text, ms = 120_000) {
      const deadline = Date.now() + ms
      const seen = () => (typeof text === 'string' ? output.includes(text) : text.test(output))
      while (!seen()) {
        if (done || Date.now() > deadline) throw new Error(`no ${String(text)} from ${command} ${args.join(' ')}:\n${output}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    },
  }
}
