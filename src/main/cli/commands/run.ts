/**
 * `cutover run <job.yaml>`: precheck, then create the job named in the file (or resume it if it exists
 * unfinished), run it and report. Exit 0 when an existing-data job is done, 1 when the job failed (code,
 * message and fix printed), 2 when it could not start (bad file, failed precheck, unaccepted warnings, or another
 * process running the same job: JOB_OWNED_ELSEWHERE names its pid, host and start). SIGINT/SIGTERM end it in any
 * state: 130 before the job starts or mid-copy, 0 once it replicates (the job paused, or interrupted when it could
 * not reach a safe point within a few seconds); 130 as well when `cutover delete` deletes the job from another process.
 */
import type { Command } from 'commander'
import { CutoverError, workaroundFor } from '../../../shared/domain/errors'
import type { JobProgress } from '../../../shared/domain/events'
import { precheckFixText } from '../../../shared/domain/fixWording'
import type { JobConfig } from '../../../shared/domain/job'
import { loadJobFile, passwordEnvironment, withPasswordEnvironment } from '../../engine/jobFile/jobFile'
import { runPrecheck } from '../../engine/precheck/precheckRunner'
import { precheckStoreContext, sameJobSettings } from '../../engine/precheck/storeContext'
import type { StoredJob } from '../../store/jobStore'
import { openEngine, requireStoredJob } from '../cliHost'
import { fillPasswords } from '../passwordPrompt'

export interface RunCommandOptions {
  store?: string
  acceptWarnings?: boolean
  untilCaughtUp?: boolean
  json?: boolean
}

export interface RunIo {
  out: (text: string) => void
  err: (text: string) => void
  interactive: boolean
  /** Progress bar redrawn in place (a TTY) rather than one line per event. */
  tty: boolean
  env: Record<string, string | undefined>
  /** Registers what to do on SIGINT/SIGTERM; returns the unregister. */
  onInterrupt: (handler: () => void) => () => void
  /** Ends the process now with this code (a stop that could not wait for the job's connections). */
  exit: (code: number) => void
}

/**
 * After SIGINT/SIGTERM the job has this long to stop at a safe point; past it (a statement stuck on a lost
 * connection, say) the job is left interrupted, which resumes like a killed run, and the process exits.
 */
const stopGraceMs = 5000

function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`
  return String(Math.round(n))
}

function progressLine(p: JobProgress): string {
  const done = p.tables.reduce((n, t) => n + t.rowsDone, 0)
  const total = p.tables.reduce((n, t) => n + (t.rowsTotal ?? 0), 0)
  const pct = total > 0 ? Math.min(100, (done / total) * 100) : 0
  const width = 24
  const filled = Math.round((pct / 100) * width)
  // Smoothed by the engine (etaSmoother.ts): the rate of the last tick swings with each chunk commit.
  const eta = p.etaSeconds === null ? null : Math.round(p.etaSeconds)
  const lag = p.lagSeconds === null ? '' : `  lag ${p.lagSeconds.toFixed(1)} s`
  return (
    `${p.stage.padEnd(11)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct.toFixed(0).padStart(3)}%  ` +
    `${formatCount(done)}/${formatCount(total)} rows  ${formatCount(p.rowsPerSecond)} rows/s  ${(p.bytesPerSecond / 1048576).toFixed(1)} MiB/s` +
    (eta === null ? '' : `  ETA ${Math.floor(eta / 60)}:${String(eta % 60).padStart(2, '0')}`) +
    lag
  )
}

/** `cutover run <job.yaml>`: the job in the file, created or resumed. */
export async function runCommand(path: string, options: RunCommandOptions, io: RunIo): Promise<number> {
  let config: JobConfig
  try {
    config = await fillPasswords(await loadJobFile(path, { env: io.env }), io.interactive, passwordEnvironment)
  } catch (error) {
    const e = error instanceof CutoverError ? error : null
    io.err(`cutover: ${e ? `${e.message}\n  fix: ${workaroundFor(e, 'cli')}` : (error as Error).message}\n`)
    return 2
  }
  return runJob({ config }, options, io)
}

/**
 * `cutover resume|restart <job>`: a stored job, run in this process from its checkpoints like `cutover run` of its
 * file. The store keeps no passwords: they come from CUTOVER_SOURCE_PASSWORD / CUTOVER_TARGET_PASSWORD or a prompt.
 */
export function resumeCommand(job: string, options: RunCommandOptions, io: RunIo): Promise<number> {
  return runJob({ stored: job }, options, io)
}

async function runJob(
  from: { config: JobConfig } | { stored: string },
  options: RunCommandOptions,
  io: RunIo,
): Promise<number> {
  const emit = (record: Record<string, unknown>) => io.out(JSON.stringify(record) + '\n')
  const engine = openEngine(options.store)
  // Registered before the precheck: a signal in any state ends the run (the precheck is aborted, a job paused).
  const precheckAbort = new AbortController()
  let interrupted = false
  let stopJob: (() => void) | null = null
  const stoppedBeforeStart = () => {
    if (options.json) emit({ type: 'result', status: 'stopped' })
    else io.out('Stopped before the job started.\n')
    return 130
  }
  const stopInterrupt = io.onInterrupt(() => {
    interrupted = true
    precheckAbort.abort()
    stopJob?.()
  })
  try {
    let job: StoredJob | null
    let config: JobConfig
    if ('config' in from) {
      config = from.config
      job = engine.store.findJobByName(config.name)
    } else {
      job = requireStoredJob(engine, from.stored)
      config = await fillPasswords(withPasswordEnvironment(job.config, io.env), io.interactive, passwordEnvironment)
    }
    if (job?.status === 'finished') {
      const message = `The job "${config.name}" has already finished.`
      if (options.json) emit({ type: 'result', status: 'finished', message })
      else io.out(`${message}\n`)
      return 0
    }
    if (job && !sameJobSettings(job.config, config)) {
      io.err(
        `cutover: a job named "${config.name}" already exists in ${engine.store.path} with different settings.\n` +
          '  fix: give this job file a new name, or delete the old job (its progress is lost).\n',
      )
      return 2
    }
    // Refused before the precheck: another process runs this job (JOB_OWNED_ELSEWHERE, exit 2).
    if (job) engine.requireNoOtherOwner(job.id)

    // The precheck runs before every start, as in the console: a source can change between runs.
    const report = await runPrecheck(config, {
      ...precheckStoreContext(engine.store, job),
      signal: precheckAbort.signal,
      onItem: (item) => {
        if (options.json) emit({ type: 'precheck', item })
        else if (item.status !== 'pass')
          io.out(
            `precheck ${item.status.toUpperCase().padEnd(7)} ${item.id}: ${item.message}\n${item.fix || item.actions ? `  fix: ${precheckFixText(item, 'cli')}\n` : ''}`,
          )
      },
    })
    if (interrupted) return stoppedBeforeStart()
    const { pass, warning, failed } = report.summary
    if (!options.json) io.out(`precheck: ${pass} passed, ${warning} warnings, ${failed} failed\n`)
    if (failed > 0) {
      io.err('cutover: the precheck failed; apply the fixes above and run again.\n')
      return 2
    }
    if (warning > 0 && !options.acceptWarnings) {
      io.err('cutover: the precheck has warnings; read them, then run again with --accept-warnings to go ahead.\n')
      return 2
    }

    // Another run of this file may have created the job, or started it, while this one ran its precheck.
    job = engine.store.findJobByName(config.name) ?? job
    if (job) engine.requireNoOtherOwner(job.id)
    if (job) {
      engine.store.replaceConfig(job.id, { ...job.config, spec: config.spec })
      engine.provideSecrets(job.id, config)
      if (!options.json)
        io.out(`Resuming job "${config.name}" (${job.status}, stage ${job.stage ?? 'none'}) from its checkpoints.\n`)
    } else {
      engine.createJob(config)
      job = engine.store.findJobByName(config.name)!
      if (!options.json) io.out(`Created job "${config.name}".\n`)
    }
    const jobId = job.id

    let lastLine = 0
    let caughtUp = false
    const unsubscribe = engine.events.subscribe((channel, payload) => {
      if (channel === 'job:progress') {
        const p = payload as JobProgress
        if (p.jobId !== jobId) return
        if (options.json) return emit({ type: 'progress', ...p })
        if (io.tty) return io.out(`\r${progressLine(p)}\u001b[K`)
        if (Date.now() - lastLine >= 2000) {
          lastLine = Date.now()
          io.out(`${progressLine(p)}\n`)
        }
        return
      }
      // Once the existing data is done and the target holds every binlog change.
      if (channel === 'job:caughtUp' && (payload as { jobId: string }).jobId === jobId) {
        if (options.untilCaughtUp && !caughtUp) {
          caughtUp = true
          void engine.pauseJob(jobId).catch(() => undefined)
        }
        return
      }
      if (channel === 'job:log') {
        const entry = payload as { jobId: string; level: string; code: string | null; message: string }
        if (entry.jobId !== jobId) return
        if (options.json) return emit({ type: 'log', ...entry })
        io.out(`${io.tty ? '\r\u001b[K' : ''}${entry.level.padEnd(7)} ${entry.message}\n`)
        return
      }
      if (channel === 'job:stageChanged' && options.json) emit({ type: 'stage', ...(payload as object) })
      // The text output has the same in the log line that announces each reconnect.
      if (channel === 'job:reconnecting' && options.json && (payload as { jobId: string }).jobId === jobId)
        emit({ type: 'reconnecting', ...(payload as object) })
    })
    let overdue: (value: 'overdue') => void = () => undefined
    const stopOverdue = new Promise<'overdue'>((resolve) => (overdue = resolve))
    let overdueTimer: ReturnType<typeof setTimeout> | undefined
    stopJob = () => {
      if (overdueTimer) return
      if (!options.json) io.out(`${io.tty ? '\n' : ''}Stopping at the next safe point…\n`)
      void engine.pauseJob(jobId).catch(() => undefined)
      overdueTimer = setTimeout(() => overdue('overdue'), stopGraceMs)
    }
    try {
      const chunkBytes = Number(io.env['CUTOVER_CHUNK_BYTES'] ?? '') || undefined
      engine.startJob(jobId, chunkBytes ? { targetChunkBytes: chunkBytes } : {})
      if (interrupted) stopJob()
      const outcome = await Promise.race([engine.waitForJob(jobId), stopOverdue])
      if (outcome === 'overdue') {
        const message = `The job did not reach a safe point within ${stopGraceMs / 1000} s of the signal (a connection does not answer); it is left interrupted and resumes from its checkpoints, as after a killed run.`
        engine.store.updateJob(jobId, { status: 'interrupted' })
        engine.store.appendEvent(jobId, 'warning', message, 'JOB_STOP_OVERDUE')
        if (options.json) emit({ type: 'result', status: 'interrupted', message })
        else io.out(`${io.tty ? '\n' : ''}${message}\n`)
        // The run's connections may hang for minutes: the process ends without waiting for them.
        const code = config.type !== 'existing' ? 0 : 130
        io.exit(code)
        return code
      }
      if (io.tty && !options.json) io.out('\n')
      const finalJob = engine.store.getJob(jobId)
      if (!finalJob) {
        const message = `Job "${config.name}" was deleted while it ran (cutover delete, or Delete in the app); its checkpoints are gone.`
        if (options.json) emit({ type: 'result', status: 'deleted', message })
        else io.out(`${message}\n`)
        return 130
      }
      if (outcome === 'finished') {
        const status = engine.jobStatus(jobId)
        const rows = status.tables.reduce((n, t) => n + t.rowsDone, 0)
        if (options.json) emit({ type: 'result', status: 'finished', rows, tables: status.tables.length })
        else
          io.out(
            `Job "${config.name}" finished: ${rows} ${rows === 1 ? 'row' : 'rows'} in ${status.tables.length} ${status.tables.length === 1 ? 'table' : 'tables'}.\n`,
          )
        return 0
      }
      if (outcome === 'failed') {
        const error = finalJob.lastError
        if (options.json) emit({ type: 'result', status: 'failed', error })
        else
          io.err(
            `cutover: job "${config.name}" failed: [${error?.code}] ${error?.message}\n  fix: ${error ? workaroundFor(error, 'cli') : ''}\n`,
          )
        return 1
      }
      if (caughtUp) {
        if (options.json)
          emit({ type: 'result', status: 'caught-up', position: engine.jobStatus(jobId).positions.applied })
        else
          io.out(
            `Job "${config.name}" caught up (lag 0) and stopped at a checkpoint; run the same command to continue replicating.\n`,
          )
        return 0
      }
      if (options.json) emit({ type: 'result', status: 'paused' })
      else io.out(`Job "${config.name}" paused; run the same command to resume from its checkpoints.\n`)
      // A replicating job stopped by the user has done what it was asked; a copy stopped midway has not.
      return interrupted && config.type !== 'existing' ? 0 : 130
    } catch (error) {
      // The run stopped without recording its end (the store could not be written): the job failed.
      const e = error instanceof CutoverError ? error : null
      if (options.json) emit({ type: 'result', status: 'failed', error: e ? e.toShape() : { message: String(error) } })
      io.err(
        `cutover: job "${config.name}" stopped: ${e ? `${e.message}\n  fix: ${workaroundFor(e, 'cli')}` : (error as Error).message}\n`,
      )
      return 1
    } finally {
      clearTimeout(overdueTimer)
      unsubscribe()
    }
  } catch (error) {
    // A signal during the precheck cancels it: a stop, not a failure.
    if (interrupted) return stoppedBeforeStart()
    const e = error instanceof CutoverError ? error : null
    if (options.json)
      emit({ type: 'result', status: 'not-started', error: e ? e.toShape() : { message: (error as Error).message } })
    io.err(`cutover: ${e ? `${e.message}\n  fix: ${workaroundFor(e, 'cli')}` : (error as Error).message}\n`)
    return 2
  } finally {
    stopInterrupt()
    await engine.shutdown()
  }
}

/** The process's terminal, signals and exit, for a run in this process. */
/** The process's own streams, terminal and signals, as the commands that run a job use them. */
export function processIo(): RunIo {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    interactive: Boolean(process.stdin.isTTY),
    tty: Boolean(process.stdout.isTTY),
    env: process.env,
    onInterrupt: (handler) => {
      process.on('SIGINT', handler)
      process.on('SIGTERM', handler)
      return () => {
        process.off('SIGINT', handler)
        process.off('SIGTERM', handler)
      }
    },
    exit: (code) => process.exit(code),
  }
}

function endWith(code: number): void {
  process.exitCode = code
  // Everything the run opened is closed by now, but a connect the server never answers cannot be cancelled in
  // mysql2: its socket lives until the connect timeout (10 s). A script waiting for the exit code does not wait.
  setTimeout(() => process.exit(code), 1000).unref()
}

function runOptions(command: Command): Command {
  return command
    .option('--store <path>', 'job store file (default ~/.cutover/cutover.db)')
    .option('--accept-warnings', 'start even if the precheck has warnings')
    .option(
      '--until-caught-up',
      'for jobs with incremental replication: exit 0 once the existing data is done and lag reached 0',
    )
    .option('--json', 'one JSON object per line for every event')
}

export function registerRun(program: Command): void {
  runOptions(
    program
      .command('run')
      .description('precheck, then create or resume the job in the file and run it (progress on the terminal)')
      .argument('<job.yaml>', 'the job file'),
  ).action(async (path: string, options: RunCommandOptions) => endWith(await runCommand(path, options, processIo())))

  // The app's Resume and Restart both continue from the checkpoints; so do these.
  for (const [name, description] of [
    ['resume', 'precheck, then resume a paused or interrupted job in this process, from its checkpoints'],
    ['restart', 'precheck, then run a failed job again in this process, from its checkpoints'],
  ] as const) {
    runOptions(
      program
        .command(name)
        .description(description)
        .argument(
          '<job>',
          'the job name (or id); passwords from CUTOVER_SOURCE_PASSWORD / CUTOVER_TARGET_PASSWORD or a prompt',
        ),
    ).action(async (job: string, options: RunCommandOptions) => endWith(await resumeCommand(job, options, processIo())))
  }
}
