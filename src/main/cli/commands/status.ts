/** `cutover status [name]`: stage, status, per-table progress, positions, lag and alerts, read from the store. */
import { rowKeyText } from '../../../shared/domain/validation'
import type { Command } from 'commander'
import { CutoverError, workaroundFor } from '../../../shared/domain/errors'
import type { JobAlert } from '../../../shared/domain/events'
import type { JobStatusReport } from '../../../shared/domain/job'
import { openEngine } from '../cliHost'

function formatStatus(s: JobStatusReport, alerts: JobAlert[]): string {
  const j = s.job
  const lines = [
    `Job ${j.name}  (${j.type}, ${j.mode})`,
    `  ${j.source} → ${j.target}`,
    `  stage ${j.stage ?? '-'}, status ${j.status}${s.running ? ' (running in this process)' : ''}`,
    `  spec: concurrency ${j.config.spec.concurrency}, export cap ${j.config.spec.exportMBps ? `${j.config.spec.exportMBps} MiB/s` : 'none'}`,
    `  created ${j.createdAt}${j.startedAt ? `, started ${j.startedAt}` : ''}${j.finishedAt ? `, finished ${j.finishedAt}` : ''}`,
  ]
  if (j.lagSeconds !== null) lines.push(`  lag ${j.lagSeconds.toFixed(1)} s`)
  const pos = (p: JobStatusReport['positions']['snapshot']) =>
    p ? `${p.file}:${p.position}${p.gtidSet ? ` (GTID ${p.gtidSet})` : ''}` : '-'
  lines.push(`  snapshot position ${pos(s.positions.snapshot)}`, `  applied position  ${pos(s.positions.applied)}`)
  const cv = s.continuousValidation
  if (cv) {
    lines.push(
      `  continuous validation: ${cv.failed} rows differ, ${cv.pending} changed rows waiting, ${cv.checked} compared equal (updated ${cv.updatedAt})`,
    )
    for (const r of cv.failedRows.slice(0, 20))
      lines.push(
        `    ${r.kind} ${r.table} ${rowKeyText(r.key)}${r.columns.length > 0 ? ` (${r.columns.join(', ')})` : ''} since ${r.foundAt}`,
      )
    for (const n of cv.notFollowed) lines.push(`    not followed: ${n.table}, ${n.rows} rows (${n.reason})`)
  } else if (j.config.spec.continuousValidation) lines.push('  continuous validation: on, no changed row yet')
  for (const alert of alerts) lines.push(`  alert: ${alert.message} (since ${alert.since})`)
  if (j.lastError)
    lines.push(`  error [${j.lastError.code}] ${j.lastError.message}`, `    fix: ${workaroundFor(j.lastError, 'cli')}`)
  if (s.tables.length > 0) {
    lines.push('  tables:')
    const width = Math.max(...s.tables.map((t) => t.table.length))
    for (const t of s.tables)
      lines.push(
        `    ${t.table.padEnd(width)}  ${String(t.rowsDone).padStart(12)} rows  ${(t.bytesDone / 1048576).toFixed(1).padStart(9)} MiB  ${t.phase}`,
      )
  }
  return lines.join('\n') + '\n'
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show a job (or all jobs): stage, status, per-table progress, positions, lag and alerts')
    .argument('[name]', 'the job name')
    .option('--store <path>', 'job store file (default ~/.cutover/cutover.db)')
    .option('--json', 'print JSON')
    .action((name: string | undefined, options: { store?: string; json?: boolean }) => {
      const engine = openEngine(options.store)
      try {
        const names = name ? [name] : engine.listJobs().map((j) => j.name)
        // A job stopped too long, from the store; lag alerts live in the process that runs the job.
        const alerts = engine.listAlerts()
        const reports = names.map((n) => {
          const report = engine.jobStatus(n)
          return { ...report, alerts: alerts.filter((a) => a.jobId === report.job.id) }
        })
        if (options.json) process.stdout.write(JSON.stringify(name ? reports[0] : reports, null, 2) + '\n')
        else if (reports.length === 0) process.stdout.write('No jobs yet.\n')
        else process.stdout.write(reports.map((r) => formatStatus(r, r.alerts)).join('\n'))
      } catch (error) {
        const e = error instanceof CutoverError ? error : null
        process.stderr.write(
          `cutover: ${e ? `${e.message}\n  fix: ${workaroundFor(e, 'cli')}` : (error as Error).message}\n`,
        )
        process.exitCode = 2
      } finally {
        engine.close()
      }
    })
}
