/**
 * `cutover skip-ddl <job>` and `cutover replace-ddl <job> --sql …`: the decision on a replicated DDL that stopped a
 * job (the target refused it, or it has no faithful form there), taken while the job is stopped and applied at
 * exactly that binlog position when it resumes (`cutover resume <job>`). Exit 0 decided, 2 could not (no such job,
 * no DDL holding it back, the job running, no statement to replace with).
 */
import type { Command } from 'commander'
import { CutoverError, workaroundFor } from '../../../shared/domain/errors'
import { openEngine, requireStoredJob } from '../cliHost'

export interface DdlDecisionOptions {
  store?: string
  json?: boolean
  sql?: string[]
}

export interface DdlDecisionIo {
  out: (text: string) => void
  err: (text: string) => void
}

export function ddlDecisionCommand(
  action: 'skip' | 'replace',
  jobRef: string,
  options: DdlDecisionOptions,
  io: DdlDecisionIo,
): number {
  let engine
  try {
    engine = openEngine(options.store)
    const job = requireStoredJob(engine, jobRef)
    const decided = engine.resolveBlockedDdl(job.id, action, options.sql ?? [])
    if (options.json) io.out(JSON.stringify({ job: job.name, ...decided }) + '\n')
    else {
      io.out(
        `${action === 'skip' ? 'Skipped' : 'Replaced'} when "${job.name}" resumes: the DDL at ${decided.at.file}:${decided.at.position}\n` +
          `  ${decided.statement.slice(0, 300)}\n` +
          (action === 'replace' ? decided.replacement.map((s) => `  → ${s}\n`).join('') : '') +
          `Resume the job to apply it: cutover resume ${job.name}\n`,
      )
    }
    return 0
  } catch (error) {
    const e = error instanceof CutoverError ? error : null
    if (options.json)
      io.out(JSON.stringify({ job: jobRef, error: e ? e.toShape() : { message: (error as Error).message } }) + '\n')
    io.err(`cutover: ${e ? `${e.message}\n  fix: ${workaroundFor(e, 'cli')}` : (error as Error).message}\n`)
    return 2
  } finally {
    engine?.close()
  }
}

export function registerDdlDecision(program: Command): void {
  const io = { out: (t: string) => process.stdout.write(t), err: (t: string) => process.stderr.write(t) }
  program
    .command('skip-ddl')
    .description('skip the replicated DDL a job stopped on (applied when the job resumes)')
    .argument('<job>', 'the job name (or id)')
    .option('--store <path>', 'job store file (default ~/.cutover/cutover.db)')
    .option('--json', 'print the decision as one JSON object')
    .action((job: string, options: DdlDecisionOptions) => {
      process.exitCode = ddlDecisionCommand('skip', job, options, io)
    })
  program
    .command('replace-ddl')
    .description('run other statements on the target in place of the replicated DDL a job stopped on')
    .argument('<job>', 'the job name (or id)')
    .requiredOption(
      '--sql <statement>',
      'a statement to run instead (repeat for several, in order)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--store <path>', 'job store file (default ~/.cutover/cutover.db)')
    .option('--json', 'print the decision as one JSON object')
    .action((job: string, options: DdlDecisionOptions) => {
      process.exitCode = ddlDecisionCommand('replace', job, options, io)
    })
}
