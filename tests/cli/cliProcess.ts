/** Real `cutover run` processes for the CLI suites: the built CLI (out/cli/cutover.js, `npm run build`) spawned with its output kept. */
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'

export const cli = resolve(__dirname, '../../out/cli/cutover.js')

export interface CliRun {
  pid: number
  exited: Promise<number | null>
  output: () => string
  /** Standard output alone (a `--json` record stream), without stderr. */
  stdout: () => string
  /** Sends a signal to the process (SIGKILL when none is named). */
  kill(signal?: NodeJS.Signals): void
}

export function runCli(args: string[], env: Record<string, string>): CliRun {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  let stdout = ''
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString()
    stdout += d.toString()
  })
  child.stderr.on('data', (d: Buffer) => (output += d.toString()))
  return {
    pid: child.pid!,
    exited: new Promise((r) => child.once('exit', (code) => r(code))),
    output: () => output,
    stdout: () => stdout,
    kill: (signal = 'SIGKILL') => child.kill(signal),
  }
}

/** Polls `read` every 100 ms until it returns a value (not null, undefined or false); errors count as not yet. */
export async function until<T>(
  read: () => T | null | undefined | false,
  what: string,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const value = read()
      if (value !== null && value !== undefined && value !== false) return value
    } catch {
      // The store may not exist yet.
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
