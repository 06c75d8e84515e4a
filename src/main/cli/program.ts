/** The `cutover` command tree: scripted prechecks and headless runs over the same engine and store as the app. */
import { Command } from 'commander'
import { cliVersion } from './cliHost'
import { registerControl } from './commands/control'
import { registerDdlDecision } from './commands/ddlDecision'
import { registerFinish } from './commands/finish'
import { registerReport } from './commands/report'
import { registerJobs } from './commands/jobs'
import { registerPrecheck } from './commands/precheck'
import { registerRun } from './commands/run'
import { registerSchemaPreview } from './commands/schemaPreview'
import { registerStatus } from './commands/status'
import { registerServe } from './commands/serve'
import { registerTestConnection } from './commands/testConnection'
import { registerValidate } from './commands/validate'

export function buildProgram(): Command {
  const program = new Command()
    .name('cutover')
    .description('Migrate a MySQL-compatible database into TiDB: precheck, existing data, incremental replication.')
    .version(cliVersion)
    .showHelpAfterError()
    // A usage error (unknown option or command, missing argument) must not exit 1, which means "the job failed":
    // commander throws instead of exiting, and the entry maps it to 2, "could not run". Subcommands inherit this.
    .exitOverride()
  registerServe(program)
  registerJobs(program)
  registerPrecheck(program)
  registerTestConnection(program)
  registerSchemaPreview(program)
  registerRun(program)
  registerStatus(program)
  registerValidate(program)
  registerControl(program)
  registerDdlDecision(program)
  registerFinish(program)
  registerReport(program)
  return program
}
