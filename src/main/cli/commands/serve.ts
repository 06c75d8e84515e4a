import { join } from 'node:path'
import type { Command } from 'commander'
import { createDispatch } from '../../ipc/dispatch'
import { createHandlers } from '../../ipc/handlers'
import { cliVersion, openEngine } from '../cliHost'

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the app to a local browser: engine and UI on 127.0.0.1, behind a random token')
    .option('--port <n>', 'port on 127.0.0.1 (0 picks a free one)', '0')
    .option('--store <path>', 'job store file (default ~/.cutover/cutover.db)')
    .action(async (options: { port: string; store?: string }) => {
      const port = Number(options.port)
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        program.error(`--port must be a whole number from 0 to 65535, not "${options.port}"`, { exitCode: 2 })
      }
      const engine = openEngine(options.store)
      const dispatch = createDispatch(createHandlers(engine, { host: 'bridge', version: cliVersion }))
      const { startBridgeServer } = await import('../../bridge/bridgeServer')
      const server = await startBridgeServer({
        dispatch,
        events: engine.events,
        rendererDir: process.env['CUTOVER_RENDERER_DIR'] ?? join(__dirname, '../renderer'),
        port,
      })
      process.stdout.write(`Cutover is serving on ${server.url}\n`)
      process.stdout.write(`Open that URL in a browser on this machine. Store: ${engine.store.path}\n`)
      process.stdout.write(`${engine.secretsNote}\n`)
      const stop = async () => {
        await server.close()
        engine.close()
        process.exit(0)
      }
      process.once('SIGINT', () => void stop())
      process.once('SIGTERM', () => void stop())
    })
}
