/** Entry of `out/cli/cutover.js`. */
import { CommanderError } from 'commander'
import { CutoverError, workaroundFor } from '../../shared/domain/errors'
import { buildProgram } from './program'

buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    // Commander has already printed its own message (unknown option, missing argument…); help and --version end 0.
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2)
    if (error instanceof CutoverError)
      process.stderr.write(`cutover: ${error.message}\n  fix: ${workaroundFor(error, 'cli')}\n`)
    else process.stderr.write(`cutover: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(2)
  })
