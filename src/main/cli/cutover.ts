/** Entry of `out/cli/cutover.js`. */
import { buildProgram } from './program'

buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`cutover: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(2)
  })
