/**
 * `cutover pause|delete|rescale <job>`: the app's buttons for a job wherever it runs. A job another process runs (a
 * `cutover run` in a terminal, `cutover serve`, the app) gets a request in the store that its owner acts on within
 * about a second; the command waits for the outcome (`--wait`, default 60 s). Exit 0 done, 2 could not (no such
 * job, a state that does not allow it, no answer in time, delete without confirmation).
 */
import { createInterface } from 'node:readline/promises'
import type { Command } from 'commander'
import { CutoverError, workaroundFor } from '../../../shared/domain/errors'
import { specSchema } from '../../../shared/domain/job'
import { controlWaitMs } from '../../engine/engine'
import type { JobControl, JobControlResult } from '../../engine/engine'
import { openEngine, requireStoredJob } from '../cliHost'

export interface ControlOptions {
  store?: string
  json?: boolean
  /** Seconds to wait for another process to act. */
  wait?: string
  yes?: boolean
  concurrency?: string
  exportMbps?: string
  continuousValidation?: string
}

export interface ControlIo {
  out: (text: string) => void
  err: (text: string) => void
  /** Asks a yes/no question on the terminal; null when there is no terminal to ask on. */
  confirm: ((question: string) => Promise<boolean>) | null
}

type ControlName = JobControl['action']

function usage(message: string, workaround: string): CutoverError {
  return new CutoverError({ code: 'CLI_USAGE', message, workaround })
}

function number(value: string, option: string): number {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n))
    throw usage(`${option} must be a number, not "${value}".`, `Give ${option} a number.`)
  return n
}

/** What the command line asks for, with a rescale's spec made whole from the job's stored one. */
function controlFor(
  action: ControlName,
  job: Pick<import('../../../shared/domain/job').JobConfig, 'type' | 'spec'>,
  options: ControlOptions,
): JobControl {
  const current = job.spec
  if (action !== 'rescale') return { action }
  if (
    options.concurrency === undefined &&
    options.exportMbps === undefined &&
    options.continuousValidation === undefined
  ) {
    throw usage(
      'cutover rescale needs --concurrency, --export-mbps or --continuous-validation.',
      `Name what to change, e.g. --concurrency 8 (now ${current.concurrency}), --export-mbps 50 (now ${current.exportMBps || 'no cap'}; 0 removes the cap) or --continuous-validation on (now ${current.continuousValidation ? 'on' : 'off'}).`,
    )
  }
  const continuous = options.continuousValidation?.trim().toLowerCase()
  if (continuous !== undefined && continuous !== 'on' && continuous !== 'off')
    throw usage(
      `--continuous-validation takes on or off, not "${options.continuousValidation}".`,
      'Give --continuous-validation on or off.',
    )
  if (continuous === 'on' && job.type === 'existing')
    throw usage(
      'Continuous validation follows the rows replication changes, and this job copies existing data only.',
      'Validate it with `cutover validate <job>` once its copy is done.',
    )
  const parsed = specSchema.safeParse({
    ...current,
    ...(options.concurrency !== undefined ? { concurrency: number(options.concurrency, '--concurrency') } : {}),
    ...(options.exportMbps !== undefined ? { exportMBps: number(options.exportMbps, '--export-mbps') } : {}),
    ...(continuous !== undefined ? { continuousValidation: continuous === 'on' } : {}),
  })
  if (!parsed.success) {
    throw usage(
      `The new spec is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}.`,
      '--concurrency takes a whole number from 1 to 64, --export-mbps a number of MiB/s from 0 (no cap) to 100000.',
    )
  }
  return { action, spec: parsed.data }
}

function describeResult(r: JobControlResult, control: JobControl): string {
  const where = r.owner ? ` by process ${r.owner.pid} on ${r.owner.host}, which runs it` : ''
  if (r.action === 'pause') return `Paused "${r.job}"${where}; resume it with \`cutover resume ${r.job}\`.`
  if (r.action === 'delete')
    return `Deleted "${r.job}"${r.owner ? ` (process ${r.owner.pid} on ${r.owner.host} stopped it first)` : ''}.`
  const spec = control.action === 'rescale' ? control.spec : null
  const cap = spec?.exportMBps ? `${spec.exportMBps} MiB/s` : 'none'
  return `Rescaled "${r.job}" to concurrency ${spec?.concurrency}, export cap ${cap}${r.status === 'running' ? `; it runs with them now${where}` : `; it is ${r.status} and resumes with them`}.`
}

export async function controlCommand(
  action: ControlName,
  jobRef: string,
  options: ControlOptions,
  io: ControlIo,
): Promise<number> {
  const fail = (error: unknown): number => {
    const e = error instanceof CutoverError ? error : null
    if (options.json)
      io.out(
        JSON.stringify({ job: jobRef, action, error: e ? e.toShape() : { message: (error as Error).message } }) + '\n',
      )
    io.err(`cutover: ${e ? `${e.message}\n  fix: ${workaroundFor(e, 'cli')}` : (error as Error).message}\n`)
    return 2
  }
  let engine
  try {
    engine = openEngine(options.store)
  } catch (error) {
    return fail(error)
  }
  try {
    const job = requireStoredJob(engine, jobRef)
    const control = controlFor(action, job.config, options)
    const waitMs = options.wait === undefined ? controlWaitMs : number(options.wait, '--wait') * 1000
    if (action === 'delete' && !options.yes) {
      if (!io.confirm) {
        throw usage(
          `Deleting "${job.name}" removes its checkpoints and log for good; nothing asked to confirm it.`,
          'Add --yes to delete without a question (scripts), or run it on a terminal to be asked.',
        )
      }
      const running = job.status === 'running' ? ' It is running: it is paused first.' : ''
      if (
        !(await io.confirm(
          `Delete the job "${job.name}" (${job.status}) with its checkpoints and log?${running} [y/N] `,
        ))
      ) {
        io.err('Not deleted.\n')
        return 2
      }
    }
    const result = await engine.controlJob(job.id, control, { waitMs })
    if (options.json) io.out(JSON.stringify(result) + '\n')
    else io.out(describeResult(result, control) + '\n')
    return 0
  } catch (error) {
    return fail(error)
  } finally {
    engine.close()
  }
}

async function askOnTerminal(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim())
  } finally {
    rl.close()
  }
}

export function registerControl(program: Command): void {
  const commands: [ControlName, string, (c: Command) => Command][] = [
    ['pause', 'pause a running job at its next safe point, wherever it runs (its committed work is kept)', (c) => c],
    [
      'delete',
      'delete a job with its checkpoints and log; a running one is paused first, wherever it runs',
      (c) => c.option('--yes', 'do not ask for confirmation'),
    ],
    [
      'rescale',
      "change a job's concurrency or export cap; a running job restarts with them where it runs",
      (c) =>
        c
          .option('--concurrency <n>', 'parallel readers and writers, 1-64')
          .option('--export-mbps <n>', 'cap on the read rate from the source in MiB/s; 0 removes the cap')
          .option(
            '--continuous-validation <on|off>',
            'compare every row replication changes again in the background (jobs that replicate)',
          ),
    ],
  ]
  for (const [action, description, extra] of commands) {
    extra(
      program
        .command(action)
        .description(description)
        .argument('<job>', 'the job name (or id)')
        .option('--store <path>', 'job store file (default ~/.cutover/cutover.db)')
        .option(
          '--wait <seconds>',
          `how long to wait for the process running the job to act (default ${controlWaitMs / 1000})`,
        )
        .option('--json', 'print the outcome as one JSON object'),
    ).action(async (job: string, options: ControlOptions) => {
      process.exitCode = await controlCommand(action, job, options, {
        out: (t) => process.stdout.write(t),
        err: (t) => process.stderr.write(t),
        confirm: process.stdin.isTTY ? askOnTerminal : null,
      })
    })
  }
}
