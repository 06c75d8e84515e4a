/** Entry of `out/cli/cutover.js`. */
import { CommanderError } from 'commander'
import { buildProgram } from './program'

buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    // Commander has already printed its own message (unknown option, missing argument…); help and --version end 0.
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2)
    process.stderr.write(`cutover: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(2)
  })
