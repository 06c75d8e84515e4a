/**
 * The incremental stage: binlog reader → applier, from the job's checkpoint, until the job is paused. A lost
 * connection (source or target) ends the stage with a retryable error, and the job runner starts it again from the
 * checkpoint after a backoff, in safe mode (retryPolicy.ts); anything else stops the job with its coded error. Lag
 * (seconds and bytes behind) is measured here and emitted as `job:progress`; `caughtUp` fires each time the target
 * has everything the source's binlog holds.
 */
import { CutoverError } from '../../../shared/domain/errors'
import type { JobProgress, LogLevel } from '../../../shared/domain/events'
import type { JobConfig } from '../../../shared/domain/job'
import type { ContinuousValidationStatus } from '../../../shared/domain/validation'
import type { BinlogPosition } from '../../../shared/domain/position'
import type { CheckpointPort } from '../jobStage'
import type { ConnectRoute } from '../connect/openSession'
import { markSide, sideOf, type SqlSession } from '../connect/session'
import type { TargetCapabilities } from '../schema/ddlRewriter'
import { isTransient } from '../retryPolicy'
import { createApplier } from './applier'
import { readTxnCapBytes } from './txnGrouping'
import { classifyReaderError, openBinlogReader } from './binlogReader'
import type { SafeMode } from './safeMode'
import { comparePositions } from './safeMode'
import type { SchemaTracker } from './schemaTracker'
import { restoreSchemaTracker } from './schemaTracker'
import { readKeylessCheckpoint } from './keylessCheckpoint'
import { bytesBehind, readBinaryLogs } from './binlogFiles'
import { createContinuousValidator } from '../validate/continuousValidator'

export interface IncrementalContext {
  jobId: string
  store: CheckpointPort
  objects: JobConfig['objects']
  sourceRoute: ConnectRoute
  /** Opens a source session for position polling (SHOW BINARY LOGS). */
  openSource(): Promise<SqlSession>
  openWriter(): Promise<SqlSession>
  openTargetControl(): Promise<SqlSession>
  target: TargetCapabilities
  maxAllowedPacket: number
  serverId: number
  safeMode: SafeMode
  /** Where replication starts when the job has no applied checkpoint yet. */
  start: BinlogPosition
  /** Tables copied from a later snapshot than `start`, and that snapshot's position (copiedTables.ts). */
  copiedAt?: ReadonlyMap<string, { file: string; position: number }>
  concurrency(): number
  log(level: LogLevel, message: string, code?: string): void
  progress(progress: JobProgress): void
  /** Called when lag reaches 0 (everything in the source's binlog is on the target). */
  caughtUp?(): void
  /** Seconds between source heartbeats while idle (tests shorten it). */
  heartbeatSeconds?: number
  /** Row data per target transaction beyond which a source transaction is split; read from the target when unset. */
  txnCapBytes?: number
  /** The source's default collation of each character set (replicated DDL naming a character set alone gets it). */
  sourceCollations?: ReadonlyMap<string, string>
  /** Called once the stage reads and applies again after a start: a retry outage is over. */
  recovered?(): void
  /** Continuous validation of the rows replicated (spec continuousValidation); absent when off. */
  continuousValidation?: { delayMs?: number; onStatus(status: ContinuousValidationStatus): void }
}

/**
 * Runs until the job is paused. A lost connection ends it with a retryable error: the job runner waits (the job's
 * retry policy, retryPolicy.ts) and runs the stage again from the checkpoint, in safe mode.
 */
export async function runIncremental(ctx: IncrementalContext, signal: AbortSignal): Promise<void> {
  try {
    await runOnce(ctx, signal)
  } catch (error) {
    if (error instanceof CutoverError) throw error
    // A target session's failure outside the applier's statements (a key look-up after a DDL, say).
    if (sideOf(error) === 'target') {
      throw markSide(
        new CutoverError({
          code: 'REPLICATE_APPLY_FAILED',
          stage: 'incremental',
          retryable: isTransient(error),
          message: `A statement on the target failed: ${(error as Error).message}.`,
          workaround: 'Fix the cause named above and resume the job; it continues from its last checkpoint.',
        }),
        'target',
      )
    }
    throw markSide(classifyReaderError(error), 'source')
  }
}

async function runOnce(ctx: IncrementalContext, signal: AbortSignal): Promise<void> {
  const state = ctx.store.replicationState(ctx.jobId, () => ctx.serverId)
  if (!state.trackedSchema) {
    throw new CutoverError({
      code: 'REPLICATE_NO_SCHEMA_HISTORY',
      stage: 'incremental',
      message: 'The job has no schema history to decode the binlog with.',
      workaround: 'Start a new job; its history is seeded when it starts.',
    })
  }
  const tracker: SchemaTracker = restoreSchemaTracker(ctx.objects, state.trackedSchema)
  const start = ctx.store.getPosition(ctx.jobId, 'applied') ?? ctx.start
  if (state.safeUntil)
    ctx.safeMode.enableUntil(
      state.safeUntil,
      'replaying up to where the last run stopped, changes the target may already have',
    )
  const reason = ctx.safeMode.reason()
  ctx.log(
    'info',
    `Incremental replication from ${start.file ? `${start.file}:${start.position}` : `GTID ${start.gtidSet}`} as replica server id ${state.serverId}${reason ? `; safe mode on (${reason})` : ''}.`,
    'REPLICATE_STARTED',
  )

  const sessions: SqlSession[] = []
  try {
    sessions.push(await ctx.openTargetControl())
    sessions.push(await ctx.openSource())
  } catch (error) {
    // A reconnect that fails halfway closes what it opened: one leaked session per attempt would keep the process alive.
    await Promise.all(sessions.map((s) => s.close().catch(() => undefined)))
    throw error
  }
  const [control, poller] = sessions as [SqlSession, SqlSession]
  let keylessApplied
  let txnCapBytes
  try {
    keylessApplied = await readKeylessCheckpoint(control, ctx.jobId)
    txnCapBytes = ctx.txnCapBytes ?? (await readTxnCapBytes(control, ctx.target.isTidb))
  } catch (error) {
    await Promise.all(sessions.map((s) => s.close().catch(() => undefined)))
    throw error
  }
  const reader = openBinlogReader({
    route: ctx.sourceRoute,
    serverId: state.serverId,
    start: start.file ? start : { gtidSet: start.gtidSet ?? '' },
    tracker,
    heartbeatSeconds: ctx.heartbeatSeconds,
  })
  const applier = createApplier({
    jobId: ctx.jobId,
    store: ctx.store,
    workers: ctx.concurrency(),
    openWriter: ctx.openWriter,
    control,
    target: ctx.target,
    maxAllowedPacket: ctx.maxAllowedPacket,
    txnCapBytes,
    safeMode: ctx.safeMode,
    log: ctx.log,
    initial: start,
    copiedAt: ctx.copiedAt,
    keylessApplied,
    initialSchema: state.trackedSchema ?? undefined,
    keysChanged: (ref, keys) => tracker.setUniqueKeys(ref, keys),
    // Everything dispatched is committed: look now whether that is the source's end (caught up), not a second later.
    idle: () => requestSample(),
    sourceCollations: ctx.sourceCollations,
  })

  const validator = ctx.continuousValidation
    ? createContinuousValidator({
        jobId: ctx.jobId,
        store: ctx.store,
        openSource: ctx.openSource,
        openTarget: ctx.openTargetControl,
        log: ctx.log,
        onStatus: ctx.continuousValidation.onStatus,
        delayMs: ctx.continuousValidation.delayMs,
      })
    : null

  // Row changes per table since the last sample, written to the store with it (the tables a cutover validates).
  let changes = new Map<string, number>()
  const noteChanges = (refs: readonly { schema: string; name: string }[], each: number) => {
    for (const ref of refs) {
      const table = `${ref.schema}.${ref.name}`
      changes.set(table, (changes.get(table) ?? 0) + each)
    }
  }
  const flushChanges = (at: string) => {
    if (changes.size === 0) return
    const counts = changes
    changes = new Map()
    ctx.store.addTableChanges(ctx.jobId, counts, at)
  }

  // Lag: the source's binlog end (SHOW BINARY LOGS) against what the target has committed.
  let lagLowSince: string | null = null
  let logs: { name: string; size: number }[] = []
  let wasCaughtUp = false
  let lastRows = 0
  let lastSample = Date.now()
  let polling = false
  const sample = async () => {
    if (polling) return
    polling = true
    try {
      logs = await readBinaryLogs(poller)
    } catch {
      // A failed poll only delays the lag figure; the reader reports real connection trouble.
    } finally {
      polling = false
    }
    const applied = applier.applied
    const lagBytes = applied.file ? bytesBehind(applied, logs) : null
    const oldest = applier.oldestPendingTimestamp
    const idle = oldest === null && reader.queuedRows === 0
    const lagSeconds = idle ? 0 : Math.max(0, (Date.now() - (oldest ?? Date.now())) / 1000)
    const now = Date.now()
    const rowsPerSecond = ((applier.rowsApplied - lastRows) * 1000) / Math.max(1, now - lastSample)
    lastRows = applier.rowsApplied
    lastSample = now
    const nowIso = new Date(now).toISOString()
    lagLowSince = lagSeconds < 1 ? (lagLowSince ?? nowIso) : null
    ctx.store.updateJob(ctx.jobId, {
      lagSeconds,
      lagBytes,
      lagLowSince,
      appliedEventAt: idle ? nowIso : new Date(oldest ?? now).toISOString(),
    })
    flushChanges(nowIso)
    ctx.progress({
      jobId: ctx.jobId,
      stage: 'incremental',
      tables: [],
      rowsPerSecond,
      bytesPerSecond: 0,
      lagSeconds,
      lagBytes,
      etaSeconds: null,
    })
    const caughtUp = idle && lagBytes === 0
    if (caughtUp && !wasCaughtUp) ctx.caughtUp?.()
    wasCaughtUp = caughtUp
  }
  const monitor = setInterval(() => void sample(), 1000)
  let lastRequested = 0
  let requested: ReturnType<typeof setTimeout> | null = null
  // At most one extra sample per 100 ms: under a light load every transaction leaves the applier idle.
  function requestSample(): void {
    if (requested) return
    requested = setTimeout(
      () => {
        requested = null
        lastRequested = Date.now()
        void sample()
      },
      Math.max(0, lastRequested + 100 - Date.now()),
    )
  }

  let moving = false
  try {
    await sample()
    for (;;) {
      if (signal.aborted) break
      let item
      try {
        item = await reader.take(signal)
      } catch {
        if (signal.aborted) break
        throw new Error('binlog reader stopped')
      }
      if (item.kind === 'error') throw markSide(item.error, 'source')
      await applier.dispatch(item, signal)
      // A DDL changes its tables without a row: they count as changed (0 rows) for the cutover's validation.
      if (item.kind === 'rows') {
        noteChanges(
          item.changes.map((c) => c.ref),
          1,
        )
        validator?.note(item.changes)
      } else if (item.kind === 'ddl') {
        noteChanges(item.effect.tables, 0)
        validator?.tableChanged(item.effect.tables)
      }
      if (!moving) {
        moving = true
        ctx.recovered?.()
      }
      if (state.safeUntil && applier.applied.file && comparePositions(applier.applied, state.safeUntil) > 0) {
        ctx.store.saveSafeUntil(ctx.jobId, null)
        state.safeUntil = null
      }
    }
    await applier.drain()
    await sample()
  } finally {
    clearInterval(monitor)
    const validatorClosed = validator?.close().catch(() => undefined)
    // Stopped: lag is no longer measured here (a paused job's distance is read from the source on demand).
    try {
      flushChanges(new Date().toISOString())
      ctx.store.updateJob(ctx.jobId, { lagSeconds: null, lagLowSince: null })
    } catch {
      // The store's own error reaches the runner through its next write.
    }
    if (requested) clearTimeout(requested)
    await reader.close()
    await applier.close().catch(() => undefined)
    await Promise.all(sessions.map((s) => s.close().catch(() => undefined)))
    await validatorClosed
  }
}
