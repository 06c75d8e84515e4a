/**
 * `cutover validate <job>`: compares the job's tables between source and target and stores the result as the job's
 * last validation. Exit 0 when every table is equal, 1 when differences were found (listed, with the repair SQL
 * file), 2 when it could not run (no such job, not copied yet, a server unreachable, cancelled).
 */
import { rowKeyText } from '../../../shared/domain/validation'
import { randomUUID } from 'node:crypto'
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { CutoverError } from '../../../shared/domain/errors'
import type { ValidationProgress, ValidationResult } from '../../../shared/domain/validation'
import { openEngine } from '../cliHost'
import { provideStoredJobPasswords } from '../passwordPrompt'
import { processIo, type RunIo } from './run'

export interface ValidateCommandOptions {
  store?: string
  tables?: string
  json?: boolean
  repairSql?: string
}

/** What the command uses of its process: `cutover run`'s, but the command always returns its exit code. */
export type ValidateIo = Omit<RunIo, 'exit'>

export function formatValidation(result: ValidationResult): string {
  const lines: string[] = []
  const width = Math.max(5, ...result.tables.map((t) => t.table.length))
  for (const t of result.tables) {
    const state =
      t.status === 'different'
        ? `DIFFERENT  ${t.missing} missing, ${t.extra} extra, ${t.different} different`
        : t.status.toUpperCase()
    lines.push(`${t.table.padEnd(width)}  ${String(t.sourceRows).padStart(10)} rows  ${t.method.padEnd(6)}  ${state}`)
    for (const d of t.differences.slice(0, 20)) {
      const key = rowKeyText(d.key)
      lines.push(`    ${d.kind.padEnd(9)} ${key}${d.columns.length > 0 ? `  (${d.columns.join(', ')})` : ''}`)
    }
    const listed = Math.min(20, t.differences.length)
    const total = t.missing + t.extra + t.different
    if (total > listed) lines.push(`    … ${total - listed} more`)
    for (const note of t.notes) lines.push(`    note: ${note}`)
    if (t.error) lines.push(`    error [${t.error.code}] ${t.error.message}`, `      fix: ${t.error.workaround}`)
  }
  lines.push('')
  if (result.error)
    lines.push(
      `Validation ${result.status}: [${result.error.code}] ${result.error.message}`,
      `  fix: ${result.error.workaround}`,
    )
  else {
    const equal = result.tables.filter((t) => t.status === 'equal').length
    lines.push(
      `${equal} of ${result.tables.length} tables equal; ${result.rowsCompared} rows compared at ${result.rowsPerSecond} rows/s` +
        (result.whileReplicating
          ? ' while the job replicated (differences re-checked after the applier caught up).'
          : '.'),
    )
  }
  if (result.repairSqlPath)
    lines.push(`Repair SQL (review it, then run it on the target; Cutover never runs it): ${result.repairSqlPath}`)
  return lines.join('\n') + '\n'
}

function progressLine(p: ValidationProgress): string {
  return `validate ${p.tablesDone}/${p.tablesTotal} tables, ${p.chunksDone}/${p.chunksTotal} chunks, ${p.rowsDone} rows, ${p.rowsPerSecond} rows/s${p.differences > 0 ? `, ${p.differences} differences` : ''}${p.table ? `  ${p.table}` : ''}`
}

export async function validateCommand(name: string, options: ValidateCommandOptions, io: ValidateIo): Promise<number> {
  const engine = openEngine(options.store)
  const validationId = randomUUID()
  const stopInterrupt = io.onInterrupt(() => engine.cancelValidation(validationId))
  let lastLine = 0
  let redrawn = false
  const unsubscribe = engine.events.subscribe((channel, payload) => {
    if (channel !== 'validation:progress') return
    const p = payload as ValidationProgress
    if (p.validationId !== validationId) return
    if (options.json) io.out(JSON.stringify({ type: 'progress', ...p }) + '\n')
    else if (io.tty) {
      io.err(`\r${progressLine(p)}\u001b[K`)
      redrawn = true
    } else if (Date.now() - lastLine >= 5000) {
      lastLine = Date.now()
      io.err(progressLine(p) + '\n')
    }
  })
  try {
    const job = engine.getJob(name)
    await provideStoredJobPasswords(engine, job.id, io)
    const result = await engine.validateJob(job.id, {
      validationId,
      tables: options.tables
        ?.split(',')
        .map((t) => t.trim())
        .filter(Boolean),
      repairSqlPath: options.repairSql ? resolve(options.repairSql) : undefined,
    })
    if (redrawn) io.err('\n')
    if (options.json) io.out(JSON.stringify({ type: 'result', ...result }) + '\n')
    else io.out(formatValidation(result))
    return result.status === 'equal' ? 0 : result.status === 'different' ? 1 : 2
  } catch (error) {
    const e = error instanceof CutoverError ? error : null
    io.err(`cutover: ${e ? `${e.message}\n  fix: ${e.workaround}` : (error as Error).message}\n`)
    return 2
  } finally {
    unsubscribe()
    stopInterrupt()
    engine.close()
  }
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description("compare a job's tables between source and target; exit 0 equal, 1 differences found, 2 could not run")
    .argument('<job>', 'the job name')
    .option('--store <path>', 'job store file (default ~/.cutover/cutover.db)')
    .option('--tables <list>', 'only these tables, comma-separated schema.table')
    .option('--json', 'print JSON lines (progress, then the result)')
    .option('--repair-sql <file>', 'where to write the repair SQL (default: beside the store, under validations/)')
    .action(async (name: string, options: ValidateCommandOptions) => {
      // Progress goes to stderr, so its terminal decides whether it is redrawn in place.
      process.exitCode = await validateCommand(name, options, { ...processIo(), tty: process.stderr.isTTY === true })
    })
}
