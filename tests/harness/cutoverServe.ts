/** Starts the built CLI's `cutover serve` on a free port with a throw-away store, for browser tests and the serve suites. */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export interface ServedApp {
  url: string
  origin: string
  storeDir: string
  process: ChildProcess
  stop(): Promise<void>
}

/** `prepareStore`: writes the store (path given) before the bridge opens it, as a previous run would have left it. */
export async function serveApp(options: { prepareStore?: (storePath: string) => void } = {}): Promise<ServedApp> {
  const cli = resolve(__dirname, '../../out/cli/cutover.js')
  const storeDir = mkdtempSync(join(tmpdir(), 'cutover-e2e-'))
  options.prepareStore?.(join(storeDir, 'cutover.db'))
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--store', join(storeDir, 'cutover.db')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`cutover serve printed no URL in 15 s:\n${output}`)), 15_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /serving on (http:\/\/127\.0\.0\.1:\d+\/\S+\/)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolveUrl(match[1]!)
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`cutover serve exited (${code}) before serving:\n${output}`)))
  })
  return {
    url,
    origin: new URL(url).origin,
    storeDir,
    process: child,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await exited
      }
      rmSync(storeDir, { recursive: true, force: true })
    },
  }
}
