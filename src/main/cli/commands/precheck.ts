/**
 * `cutover precheck <job.yaml>`: the same checks as the app's Precheck step, for scripts and consultants.
 * Exit 0 when nothing failed, 1 when an item failed, 2 when the precheck could not run at all.
 */
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { CutoverError, workaroundFor } from '../../../shared/domain/errors'
import { precheckFixText } from '../../../shared/domain/fixWording'
import type { JobConfig } from '../../../shared/domain/job'
import type { PrecheckItem, PrecheckReport } from '../../../shared/domain/precheck'
import { loadJobFile, passwordEnvironment } from '../../engine/jobFile/jobFile'
import { renderPrecheckHtml } from '../../engine/precheck/htmlReport'
import { runPrecheck } from '../../engine/precheck/precheckRunner'
import { jobResumedBy, precheckStoreContext } from '../../engine/precheck/storeContext'
import { openJobStore } from '../../store/jobStore'
import { defaultStorePath } from '../cliHost'
import { fillPasswords } from '../passwordPrompt'

export interface PrecheckCommandOptions {
  json?: boolean
  report?: string
  store?: string
}

export interface CommandIo {
  out: (text: string) => void
  err: (text: string) => void
  /** Whether a password may be asked for interactively. */
  interactive: boolean
  env: Record<string, string | undefined>
}

const label: Record<PrecheckItem['status'], string> = { pass: 'PASS', warning: 'WARNING', failed: 'FAILED' }

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => prefix + line)
    .join('\n')
}

export function formatTable(report: PrecheckReport): string {
  const idWidth = Math.max(2, ...report.items.map((i) => i.id.length))
  const lines: string[] = []
  if (report.source && report.target) {
    lines.push(`Source ${report.source.endpoint} (${report.source.versionString})`)
    lines.push(`Target ${report.target.endpoint} (${report.target.versionString})`, '')
  }
  lines.push(`${'STATUS'.padEnd(8)}  ${'ID'.padEnd(idWidth)}  MESSAGE`)
  for (const item of report.items) {
    lines.push(`${label[item.status].padEnd(8)}  ${item.id.padEnd(idWidth)}  ${item.message}`)
    const fix = precheckFixText(item, 'cli')
    if (fix) lines.push(indent(`fix: ${fix}`, ' '.repeat(8 + 2 + idWidth + 2)))
  }
  const { pass, warning, failed } = report.summary
  lines.push('', `${pass} passed, ${warning} warnings, ${failed} failed.`)
  return lines.join('\n') + '\n'
}

export function toJson(report: PrecheckReport): string {
  return (
    JSON.stringify(
      {
        items: report.items.map((i) => ({
          id: i.id,
          status: i.status,
          message: i.message,
          fix: precheckFixText(i, 'cli'),
        })),
        summary: report.summary,
      },
      null,
      2,
    ) + '\n'
  )
}

/**
 * The local store's view (other jobs; this file's job, if stored, as `cutover run` would resume it), when one
 * exists; the precheck never creates a store.
 */
function storeContextFrom(storePath: string, config: JobConfig): ReturnType<typeof precheckStoreContext> | null {
  if (!existsSync(storePath)) return null
  const store = openJobStore(storePath)
  try {
    return precheckStoreContext(store, jobResumedBy(store, config))
  } finally {
    store.close()
  }
}

/** The whole command as a function, so tests can run it without a child process; returns the exit code. */
export async function precheckCommand(path: string, options: PrecheckCommandOptions, io: CommandIo): Promise<number> {
  let report: PrecheckReport
  let config: JobConfig
  try {
    config = await fillPasswords(await loadJobFile(path, { env: io.env }), io.interactive, passwordEnvironment)
    const storePath = resolve(options.store ?? io.env['CUTOVER_STORE'] ?? defaultStorePath())
    report = await runPrecheck(config, { ...storeContextFrom(storePath, config) })
  } catch (error) {
    if (error instanceof CutoverError) io.err(`cutover: ${error.message}\n  fix: ${workaroundFor(error, 'cli')}\n`)
    else io.err(`cutover: the precheck could not run: ${error instanceof Error ? error.message : String(error)}\n`)
    return 2
  }
  io.out(options.json ? toJson(report) : formatTable(report))
  if (options.report) {
    try {
      await writeFile(options.report, renderPrecheckHtml(report, config))
      if (!options.json) io.out(`Report written to ${options.report}\n`)
    } catch (error) {
      io.err(`cutover: could not write the report ${options.report}: ${(error as Error).message}\n`)
      return 2
    }
  }
  return report.summary.failed > 0 ? 1 : 0
}

export function registerPrecheck(program: Command): void {
  program
    .command('precheck')
    .description('check that a job can run: source binlog settings, privileges, schema compatibility, target limits')
    .argument('<job.yaml>', 'the job file')
    .option('--json', 'print { items: [{ id, status, message, fix }], summary } as JSON')
    .option('--report <out.html>', 'also write a self-contained HTML report')
    .option('--store <path>', 'job store to look for other running jobs (default ~/.cutover/cutover.db, if it exists)')
    .addHelpText(
      'after',
      `
Example job file:
  name: shop-to-tidb
  type: both            # existing | incremental | both
  mode: logical         # logical | physical
  source: { host: 10.0.0.5, port: 3306, user: migrator }
  target: { host: tidb.example.com, port: 4000, user: root, tls: { mode: verify-identity } }
  objects: [shop, crm.customers]   # or: all

Passwords: written in the file, else ${passwordEnvironment.source} / ${passwordEnvironment.target}, else asked for on a terminal.
Exit status: 0 nothing failed, 1 an item failed, 2 the precheck could not run.`,
    )
    .action(async (path: string, options: PrecheckCommandOptions) => {
      process.exitCode = await precheckCommand(path, options, {
        out: (text) => process.stdout.write(text),
        err: (text) => process.stderr.write(text),
        interactive: Boolean(process.stdin.isTTY),
        env: process.env,
      })
    })
}
