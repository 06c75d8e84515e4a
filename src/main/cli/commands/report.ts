/**
 * `cutover report <job>`: the job's migration report from its store (no server contacted). `--html` writes the
 * self-contained page, `--json` prints the data; without either, a text summary. Exit 0, or 2 when it could not
 * run (no such job, the file not writable).
 */
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { CutoverError } from '../../../shared/domain/errors'
import type { MigrationReport } from '../../../shared/domain/report'
import { openEngine } from '../cliHost'
import { processIo } from './run'
import type { ValidateIo } from './validate'

export interface ReportCommandOptions {
  store?: string
  html?: string
  json?: boolean
}

export function formatReport(r: MigrationReport): string {
  const lines = [
    `${r.job.name}: ${r.job.type} job, ${r.job.mode} mode, ${r.job.status}`,
    `  ${r.totals.tables} tables, ${r.totals.rowsCopied} rows copied (${(r.totals.bytesCopied / 1024 / 1024).toFixed(1)} MiB), ${r.totals.rowChangesReplicated} row changes replicated`,
    ...r.stages.map(
      (s) =>
        `  ${s.name.padEnd(11)} ${s.seconds === null ? (s.startedAt ? 'running' : '—') : `${s.seconds.toFixed(1)} s`}${s.rowsPerSecond !== null ? `, ${s.rowsPerSecond} rows/s` : ''}`,
    ),
    `  ${r.rewrites.length} schema rewrites, ${r.notMigrated.length} not migrated / semantics lost, ${r.warningsAccepted.length} precheck warnings accepted, ${r.warnings.length} warnings while running, ${r.decisions.length} DDL decisions`,
    `  validation: ${r.validations.last ? `${r.validations.last.status} (${r.validations.count} in all)` : 'never validated'}`,
    `  cutover: ${r.cutover ? `${r.cutover.position.file}:${r.cutover.position.position} at ${r.cutover.finishedAt}, writes stopped ${(r.cutover.freezeMs / 1000).toFixed(1)} s` : 'not cut over'}`,
  ]
  return lines.join('\n') + '\n'
}

export function reportCommand(name: string, options: ReportCommandOptions, io: ValidateIo): number {
  const engine = openEngine(options.store)
  try {
    const { report, html } = engine.migrationReport(name)
    if (options.html) {
      const path = resolve(options.html)
      writeFileSync(path, html)
      io.err(`Report written to ${path}\n`)
    }
    if (options.json) io.out(JSON.stringify(report) + '\n')
    else io.out(formatReport(report))
    return 0
  } catch (error) {
    const e = error instanceof CutoverError ? error : null
    io.err(`cutover: ${e ? `${e.message}\n  fix: ${e.workaround}` : (error as Error).message}\n`)
    return 2
  } finally {
    engine.close()
  }
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      "a job's migration report: objects and sizes, schema rewrites, warnings, stage timings, validation, the cutover point",
    )
    .argument('<job>', 'the job name')
    .option('--store <path>', 'job store file (default ~/.cutover/cutover.db)')
    .option('--html <out.html>', 'write the self-contained HTML report')
    .option('--json', 'print the report as JSON')
    .action((name: string, options: ReportCommandOptions) => {
      process.exitCode = reportCommand(name, options, { ...processIo(), tty: false })
    })
}
