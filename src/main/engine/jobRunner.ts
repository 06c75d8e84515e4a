/**
 * The orchestrator: the job type and where the job stopped pick the stages (existing: snapshot → schema → existing
 * data; both: … → incremental; incremental alone), run as a straight line with an abort check between them and all
 * teardown in one place. Each stage persists its progress as it goes (the checkpoint port, jobStage.ts), so a
 * paused, failed or killed job resumes where it stopped. A transient failure in any stage (a lost, refused or silent
 * server) runs the stages again from those checkpoints after a backoff, within the job's retry budget
 * (retryPolicy.ts).
 */
import type { Stage } from '../../shared/domain/errors'
import { CutoverError } from '../../shared/domain/errors'
import type { JobRetry, LogLevel } from '../../shared/domain/events'
import { defaultRetryMinutes, type JobConfig, type JobStatus } from '../../shared/domain/job'
import type { JobStore, StoredJob } from '../store/jobStore'
import type { ConnectRoute } from './connect/openSession'
import { openRoute, openSessionOnRoute } from './connect/openSession'
import { markSide, sideOf, type ServerInfo, type SqlSession } from './connect/session'
import { detectServer } from './connect/serverInfo'
import type { EngineEvents } from './engineEvents'
import { existingStage } from './existing/existingJobStage'
import { abruptEnds, type JobStage, type ResumePoint, type StageContext } from './jobStage'
import { prepareWriterSession } from './load/writerSession'
import { incrementalStage } from './replicate/incrementalJobStage'
import { findToolTables } from './replicate/onlineSchemaChange'
import { createSafeMode } from './replicate/safeMode'
import type { SafeMode } from './replicate/safeMode'
import { backoff, budgetExhausted, clockTime, createRetryPolicy, isTransient } from './retryPolicy'
import { schemaStage } from './schema/schemaJobStage'
import { selectSchemaObjects } from './schema/schemaObjects'
import { snapshotStage } from './snapshot/snapshotJobStage'
import { createThrottler } from './throttle/throttler'
import type { Throttler } from './throttle/throttler'
import { randomInt } from 'node:crypto'

export type JobOutcome = 'finished' | 'paused' | 'failed'

/** What the engine gives a run: the job store, its event path, and whether this process still owns the job. */
export interface RunnerHost {
  store: JobStore
  /** Stages emit `job:log`, `job:progress`, `job:caughtUp`; the runner `job:stageChanged` and `job:reconnecting`. */
  events: EngineEvents
  /**
   * False once another process has taken the job over (this run's lease lapsed): the run then stops without
   * writing the job's stage or status, which are the new owner's. Absent: the run always owns the job.
   */
  ownsJob?(): boolean
}

export interface RunningJob {
  readonly jobId: string
  readonly done: Promise<JobOutcome>
  /** Stops at the next safe point; committed work is kept (chunk checkpoints). */
  pause(): void
  /** Changes concurrency (down, or up to the snapshot's sessions) and the export cap while running. */
  setSpec(spec: JobConfig['spec']): void
  /** Set while the job waits to reconnect to a lost server. */
  readonly retry: JobRetry | null
}

/** Chunk size the planner aims for: small enough to spread a table over all workers, large enough to be cheap. */
const defaultChunkBytes = 16 * 1024 * 1024

export interface RunOptions {
  /** Smaller chunks make tests exercise many chunks on little data. */
  targetChunkBytes?: number
  /** Incremental stage: apply every change idempotently (INSERT → REPLACE, UPDATE → DELETE + REPLACE) for this run. */
  safeMode?: boolean
  /** Seconds between the source's heartbeats while idle (lag reads 0 within this). */
  heartbeatSeconds?: number
  /** The backoff after a lost connection: first wait and longest wait (retryPolicy.ts); tests shorten them. */
  retry?: { baseMs?: number; capMs?: number }
  /** Incremental stage: row data per target transaction beyond which a source transaction is split (txnGrouping.ts). */
  txnCapBytes?: number
  /** Continuous validation: how long after its change a row is first compared (continuousValidator.ts). */
  validationDelayMs?: number
}

/** The order a job goes through its stages; a run never shows an earlier stage than the job has reached. */
const stageOrder: readonly (Stage | null)[] = [null, 'precheck', 'schema', 'existing', 'incremental']

/** The stages a run goes through, by the job's type and where it stopped. */
export function pickStages(type: JobConfig['type'], resume: ResumePoint): JobStage[] {
  if (type === 'incremental') return [incrementalStage]
  if (type === 'both' && resume.stage === 'incremental') return [incrementalStage]
  const copy = [snapshotStage, schemaStage, existingStage]
  return type === 'both' ? [...copy, incrementalStage] : copy
}

/** Replication server ids are drawn from the top half of the range, far from the small ids servers are given. */
function drawServerId(avoid: number): number {
  for (;;) {
    const id = 2 ** 31 + randomInt(2 ** 31 - 2)
    if (id !== avoid) return id
  }
}

/**
 * A target session with the settings every writer needs (load/writerSession.ts: the target keeps each value as the
 * source has it); closed again when they cannot be set, so a failed open leaves no connection behind.
 */
async function openWriterSession(route: ConnectRoute, signal: AbortSignal): Promise<SqlSession> {
  const writer = await openSessionOnRoute(route, 'target', { signal })
  try {
    await prepareWriterSession(writer)
  } catch (error) {
    await writer.close().catch(() => undefined)
    throw error
  }
  return writer
}

/**
 * The tables and views the job's `objects` select on the source. An online schema change tool's tables (gh-ost's
 * _t_gho, pt-osc's _t_new, …) are neither created nor copied: the real table's binlog events carry the changes, and
 * the tool's ALTER is applied to it at the cut-over.
 */
async function selectObjects(
  control: SqlSession,
  info: ServerInfo,
  selection: JobConfig['objects'],
  log: (level: LogLevel, message: string, code?: string) => void,
): Promise<StageContext['objects']> {
  const selected = await selectSchemaObjects(control, info, selection)
  const tools = await findToolTables(control, selected.tables)
  if (tools.skipped.length > 0) {
    log(
      'warning',
      `Not created on the target nor copied, as tables of an online schema change tool still running (or left behind) on the source: ${tools.skipped.map((t) => `${t.schema}.${t.name} (${t.tool})`).join(', ')}. Their real tables are migrated; the tool's cut-over is replicated when it comes.`,
      'SCHEMA_ONLINE_DDL_TABLE_SKIPPED',
    )
  }
  const objects = { ...selected, tables: tools.tables }
  if (objects.tables.length === 0 && objects.views.length === 0) {
    throw new CutoverError({
      code: 'OBJECTS_EMPTY',
      stage: 'schema',
      message: 'The selected objects contain no tables or views.',
      workaround: 'Choose databases that have tables, or objects: all.',
    })
  }
  return objects
}

export function startJob(job: StoredJob, config: JobConfig, host: RunnerHost, options: RunOptions = {}): RunningJob {
  const { store, events } = host
  const controller = new AbortController()
  let concurrency = config.spec.concurrency
  const throttler: Throttler = createThrottler(config.spec.exportMBps)
  const log = (level: LogLevel, message: string, code?: string) =>
    events.emit('job:log', store.appendEvent(job.id, level, message, code ?? null))
  // Kept across the retries of this run: a reconnect turns it on for the replay from the checkpoint.
  const safeMode: SafeMode = createSafeMode({ always: options.safeMode })
  const retry = createRetryPolicy({
    budgetMs: (config.spec.retryMinutes ?? defaultRetryMinutes) * 60_000,
    baseMs: options.retry?.baseMs,
    capMs: options.retry?.capMs,
  })
  let waiting: JobRetry | null = null
  const announce = (next: JobRetry | null) => {
    waiting = next
    events.emit('job:reconnecting', { jobId: job.id, retry: next })
  }
  /** Stages call this when they move forward: an outage in progress is over. */
  const recovered = () => {
    if (!retry.recovered()) return
    log('info', 'Reconnected: the job moves forward again.', 'JOB_RECONNECTED')
    if (waiting) announce(null)
  }
  /** True once both servers answered in this run: a name that no longer resolves then means a dropped VPN. */
  let reachedServers = false

  const setStage = (stage: Stage | null, status: JobStatus, error: CutoverError | null = null) => {
    if (host.ownsJob?.() === false) return
    const patch: Parameters<JobStore['updateJob']>[1] = { stage, status, lastError: error ? error.toShape() : null }
    if (status === 'running' && !store.getJob(job.id)?.startedAt) patch.startedAt = new Date().toISOString()
    if (status === 'finished') patch.finishedAt = new Date().toISOString()
    store.updateJob(job.id, patch)
    events.emit('job:stageChanged', { jobId: job.id, stage, status, error: error ? error.toShape() : null })
    events.emit('jobs:changed', { jobId: job.id, change: 'updated' })
  }

  /** Status the job had in the store when this run began: 'running' or 'interrupted' means the last run ended abruptly. */
  let previousStatus: JobStatus | null = null

  /** One attempt: connect, run the picked stages in order, close everything it opened. */
  async function run(signal: AbortSignal): Promise<JobOutcome> {
    const resume: ResumePoint = {
      stage: store.getJob(job.id)?.stage ?? null,
      endedAbruptly: previousStatus !== null && abruptEnds.includes(previousStatus),
    }
    const routes: ConnectRoute[] = []
    const sessions: SqlSession[] = []
    const open = async (route: ConnectRoute, side: 'source' | 'target') => {
      const s = await openSessionOnRoute(route, side, { signal })
      sessions.push(s)
      return s
    }
    try {
      const sourceRoute = await openRoute(config.source, { signal }).catch((e: unknown) =>
        Promise.reject(markSide(e, 'source')),
      )
      routes.push(sourceRoute)
      const targetRoute = await openRoute(config.target, { signal }).catch((e: unknown) =>
        Promise.reject(markSide(e, 'target')),
      )
      routes.push(targetRoute)
      const control = await open(sourceRoute, 'source')
      const targetControl = await open(targetRoute, 'target')
      reachedServers = true
      const sourceInfo = await detectServer(control)
      const targetInfo = await detectServer(targetControl)
      const objects = await selectObjects(control, sourceInfo, config.objects, log)
      if (signal.aborted) return 'paused'
      // The job's replication server id must never be the source's own.
      const sourceServerId =
        config.type !== 'existing'
          ? Number((await control.query<{ id: unknown }>('SELECT @@server_id AS id'))[0]?.id ?? 0)
          : 0
      let ctx: StageContext = {
        jobId: job.id,
        config,
        objects,
        source: { route: sourceRoute, control, info: sourceInfo },
        target: { route: targetRoute, control: targetControl, info: targetInfo },
        resume,
        point: null,
        checkpoints: store,
        events,
        log,
        recovered,
        // With the run's signal: a pause ends a connect that waits on an unanswering server.
        openSource: () => openSessionOnRoute(sourceRoute, 'source', { signal }),
        openSourceForRun: () => open(sourceRoute, 'source'),
        openWriter: () => openWriterSession(targetRoute, signal),
        drawServerId: () => drawServerId(sourceServerId),
        concurrency: () => concurrency,
        throttler,
        safeMode,
        targetChunkBytes: options.targetChunkBytes ?? defaultChunkBytes,
        heartbeatSeconds: options.heartbeatSeconds,
        txnCapBytes: options.txnCapBytes,
        validationDelayMs: options.validationDelayMs,
      }
      let shown = stageOrder.indexOf(resume.stage)
      for (const stage of pickStages(config.type, resume)) {
        if (signal.aborted) return 'paused'
        if (stageOrder.indexOf(stage.shows) > shown) {
          shown = stageOrder.indexOf(stage.shows)
          setStage(stage.shows, 'running')
        }
        const outcome = await stage.run(ctx, signal)
        if (outcome.status === 'paused') return 'paused'
        if (outcome.point) ctx = { ...ctx, point: outcome.point }
      }
      return 'finished'
    } finally {
      await Promise.all(sessions.map((s) => s.close().catch(() => undefined)))
      await Promise.all(routes.map((r) => r.close().catch(() => undefined)))
    }
  }

  const endpoint = (side: 'source' | 'target') => `the ${side} (${config[side].host}:${config[side].port})`
  const lostServer = (error: unknown): string => {
    const side = sideOf(error)
    return side ? endpoint(side) : `${endpoint('source')} or ${endpoint('target')}`
  }
  const codedError = (error: unknown, stage: Stage | null): CutoverError =>
    error instanceof CutoverError
      ? error
      : new CutoverError({
          code: 'JOB_FAILED',
          stage,
          retryable: isTransient(error),
          message: `${isTransient(error) ? `Lost the connection to ${lostServer(error)}: ` : ''}${error instanceof Error ? error.message : String(error)}`,
          workaround: 'Fix the cause and resume the job; committed work is kept.',
        })

  /**
   * Runs the stages; a transient failure (a lost, refused or silent server) waits with backoff and runs them again
   * from their checkpoints, until the outage has lasted the job's retry budget.
   */
  async function runWithRetries(signal: AbortSignal): Promise<JobOutcome> {
    for (;;) {
      try {
        return await run(signal)
      } catch (error) {
        const stage = store.getJob(job.id)?.stage ?? null
        const cause = codedError(error, stage)
        if (signal.aborted) throw error
        if (!cause.retryable && !(reachedServers && cause.code === 'CONN_DNS')) throw error
        const decision = retry.failed()
        if (!decision.retry) {
          const { attempts, spentMs } = decision
          throw budgetExhausted({
            cause,
            stage,
            server: lostServer(error),
            attempts,
            spentMs,
            budgetMs: retry.budgetMs,
          })
        }
        const replay = stage === 'incremental' ? ', in safe mode for 60 s' : ''
        log(
          'warning',
          `${cause.message} ${cause.code === 'LOAD_SOURCE_DDL_DURING_COPY' ? 'Starting again' : 'Reconnecting'} in ${Math.ceil(decision.delayMs / 1000)} s from the last checkpoint${replay} (attempt ${decision.attempt}, at ${clockTime(decision.nextAttemptAt)}; gives up at ${clockTime(decision.givesUpAt)}).`,
          cause.code,
        )
        announce({
          stage,
          server: lostServer(error),
          error: cause.toShape(),
          attempt: decision.attempt,
          nextAttemptAt: new Date(decision.nextAttemptAt).toISOString(),
          givesUpAt: new Date(decision.givesUpAt).toISOString(),
        })
        safeMode.enableFor(decision.delayMs + 60_000, 'reconnecting after a lost connection')
        await backoff(decision.delayMs, signal)
        if (signal.aborted) return 'paused'
      }
    }
  }

  const done = (async (): Promise<JobOutcome> => {
    const before = store.getJob(job.id)
    previousStatus = before?.status ?? null
    setStage(before?.stage ?? null, 'running')
    try {
      const outcome = await runWithRetries(controller.signal)
      if (waiting) announce(null)
      const stage = store.getJob(job.id)?.stage ?? null
      if (outcome === 'finished') setStage(stage, 'finished')
      else {
        setStage(stage, 'paused')
        log('info', 'Job paused; committed chunks are kept and resuming redoes only the rest.')
      }
      return outcome
    } catch (error) {
      if (waiting) announce(null)
      const stage = store.getJob(job.id)?.stage ?? null
      const coded = codedError(error, stage)
      // A pause ends what was connecting or in flight (CONN_ABORTED, a dropped connection): the job pauses, it
      // does not fail, and resumes from its checkpoints.
      if (controller.signal.aborted && (!(error instanceof CutoverError) || coded.retryable)) {
        setStage(stage, 'paused')
        return 'paused'
      }
      setStage(stage, 'failed', coded)
      log('error', `${coded.message} Fix: ${coded.workaround}`, coded.code)
      return 'failed'
    }
  })()

  return {
    jobId: job.id,
    done,
    pause: () => controller.abort(),
    setSpec(spec) {
      concurrency = spec.concurrency
      throttler.setRate(spec.exportMBps)
    },
    get retry() {
      return waiting
    },
  }
}
