/**
 * `cutover finish <job>`: the cutover from a terminal. Without --go it prints the readiness list (exit 0 ready, 1 not
 * ready). With --go it cuts the job over — wherever it runs (this process asks the app, `cutover serve` or a
 * `cutover run` that runs it to stop at the end) — and prints the cutover point: exit 0 cut over, 1 not cut over
 * (not ready, writes did not stop, the final validation found differences: the source has its writes back and the
 * job keeps replicating), 2 could not run (no such job, a server unreachable, bad options).
 */
import type { Command } from 'commander'
import {
  cutoverFreezes,
  cutoverValidations,
  type CutoverFreeze,
  type CutoverProgress,
  type CutoverReadiness,
  type CutoverRecord,
  type CutoverValidationScope,
} from '../../../shared/domain/cutover'
import { CutoverError } from '../../../shared/domain/errors'
import { describeBehind } from '../../engine/cutover/readiness'
import { openEngine } from '../cliHost'
import { provideStoredJobPasswords } from '../passwordPrompt'
import { processIo } from './run'
import type { ValidateIo } from './validate'

export interface FinishCommandOptions {
  store?: string
  go?: boolean
  freeze?: string
  yes?: boolean
  validate?: string
  readySeconds?: string
  stillSeconds?: string
  applyTimeout?: string
  json?: boolean
}

/** Codes for a cutover that ran and did not complete (exit 1), as opposed to one that could not run (exit 2). */
const notCutOver = new Set([
  'CUTOVER_NOT_READY',
  'CUTOVER_SOURCE_WRITTEN',
  'CUTOVER_APPLY_TIMEOUT',
  'CUTOVER_VALIDATION_FAILED',
  'CUTOVER_JOB_STOPPED',
  'CUTOVER_CANCELLED',
])

export function formatReadiness(r: CutoverReadiness): string {
  const mark = { pass: 'PASS', warning: 'WARN', fail: 'FAIL' } as const
  const lines = r.items.map((i) => `${mark[i.status]}  ${i.label}: ${i.detail}`)
  if (r.behind) lines.push(`      Behind the source: ${describeBehind(r.behind)}.`)
  lines.push('', r.ready ? 'Ready to cut over: run again with --go.' : 'Not ready to cut over.')
  return lines.join('\n') + '\n'
}

export function formatRecord(r: CutoverRecord): string {
  const p = r.position
  return (
    [
      `Cut over at ${p.file}:${p.position}${p.gtidSet ? ` (GTID ${p.gtidSet})` : ''}, ${r.finishedAt}.`,
      `Writes stopped (${r.freeze}) for ${(r.freezeMs / 1000).toFixed(1)} s; final validation: ${r.validation.status} (${r.validation.tables} tables, ${r.validation.scope}).`,
      `Rows copied ${r.rowsCopied}, row changes replicated ${r.rowsReplicated}.`,
      r.sourceReadOnly
        ? 'The source stays read_only = ON (SET GLOBAL read_only = OFF undoes it). Point the application at the target.'
        : 'Point the application at the target; later writes to the source are not replicated.',
    ].join('\n') + '\n'
  )
}

function number(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number of seconds, not "${value}"`)
  return n
}

export async function finishCommand(name: string, options: FinishCommandOptions, io: ValidateIo): Promise<number> {
  const engine = openEngine(options.store)
  let jobId: string | null = null
  const stopInterrupt = io.onInterrupt(() => {
    if (jobId) engine.cancelCutover(jobId)
  })
  const unsubscribe = engine.events.subscribe((channel, payload) => {
    if (channel !== 'cutover:progress') return
    const p = payload as CutoverProgress
    if (p.jobId !== jobId) return
    if (options.json) io.out(JSON.stringify({ type: 'progress', ...p }) + '\n')
    else if (p.step !== 'failed') io.err(`${p.at.slice(11, 19)}  ${p.message}\n`)
  })
  try {
    const freeze = (options.freeze ?? 'manual') as CutoverFreeze
    if (!cutoverFreezes.includes(freeze))
      throw new Error(`--freeze must be one of ${cutoverFreezes.join(', ')}, not "${options.freeze}"`)
    const validate = (options.validate ?? 'changed') as CutoverValidationScope
    if (!cutoverValidations.includes(validate))
      throw new Error(`--validate must be one of ${cutoverValidations.join(', ')}, not "${options.validate}"`)
    const readySeconds = number(options.readySeconds, '--ready-seconds')
    const job = engine.getJob(name)
    jobId = job.id
    await provideStoredJobPasswords(engine, job.id, io)
    if (!options.go) {
      const readiness = await engine.cutoverReadiness(job.id, { readySeconds, validate })
      if (options.json) io.out(JSON.stringify({ type: 'readiness', ...readiness }) + '\n')
      else io.out(formatReadiness(readiness))
      return readiness.ready ? 0 : 1
    }
    const record = await engine.cutoverJob(job.id, {
      freeze,
      confirmFreeze: options.yes === true,
      validate,
      readySeconds,
      stillSeconds: number(options.stillSeconds, '--still-seconds'),
      applyTimeoutSeconds: number(options.applyTimeout, '--apply-timeout'),
    })
    if (options.json) io.out(JSON.stringify({ type: 'result', status: 'cutover', ...record }) + '\n')
    else io.out(formatRecord(record))
    return 0
  } catch (error) {
    const e = error instanceof CutoverError ? error : null
    if (options.json && e) io.out(JSON.stringify({ type: 'result', status: 'failed', error: e.toShape() }) + '\n')
    io.err(`cutover: ${e ? `${e.message}\n  fix: ${e.workaround}` : (error as Error).message}\n`)
    return e && notCutOver.has(e.code) ? 1 : 2
  } finally {
    unsubscribe()
    stopInterrupt()
    engine.close()
  }
}

export function registerFinish(program: Command): void {
  program
    .command('finish')
    .description(
      'cut a replicating job over: without --go, print its readiness (exit 0 ready, 1 not); with --go, stop the source writes, apply the final position, validate, record the point (exit 0 cut over, 1 not cut over, 2 could not run)',
    )
    .argument('<job>', 'the job name')
    .option('--store <path>', 'job store file (default ~/.cutover/cutover.db)')
    .option('--go', 'cut over now (otherwise only the readiness list is printed)')
    .option(
      '--freeze <how>',
      'manual: you stopped the writes; read_only: SET GLOBAL read_only = ON, left on; lock: FLUSH TABLES WITH READ LOCK until the cutover ends',
      'manual',
    )
    .option('--yes', 'confirm that --freeze read_only / lock may change the source server')
    .option('--validate <scope>', 'final validation: changed (since the last equal validation), all, none', 'changed')
    .option('--ready-seconds <s>', 'lag must have stayed under 1 s this long (default 30)')
    .option(
      '--still-seconds <s>',
      "the job's tables must stay unchanged this long before the final position (default 3)",
    )
    .option('--apply-timeout <s>', 'give up when the target has not applied the final position by then (default 300)')
    .option('--json', 'print JSON lines (progress, then the readiness or the result)')
    .action(async (name: string, options: FinishCommandOptions) => {
      process.exitCode = await finishCommand(name, options, { ...processIo(), tty: process.stderr.isTTY === true })
    })
}
