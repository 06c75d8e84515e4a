/**
 * The orchestrator: the job type picks the stages (existing: schema → existing data; both: … → incremental),
 * run as a straight line with an abort check between steps and all teardown in one place. Stage progress is
 * persisted as it goes, so a paused, failed or killed job resumes where it stopped. A transient failure in any stage
 * (a lost, refused or silent server) runs the stages again from those checkpoints after a backoff, within the job's
 * retry budget (retryPolicy.ts).
 */
import type { Stage } from '../../shared/domain/errors'
import { CutoverError } from '../../shared/domain/errors'
import type { JobProgress, JobRetry, LogLevel } from '../../shared/domain/events'
import { defaultRetryMinutes, type JobConfig, type JobStatus } from '../../shared/domain/job'
import type { JobStore, StoredJob } from '../store/jobStore'
import type { ConnectRoute } from './connect/openSession'
import { openRoute, openSessionOnRoute } from './connect/openSession'
import { markSide, sideOf, type SqlSession } from './connect/session'
import { detectServer } from './connect/serverInfo'
import { prepareRawReads } from './dump/chunkReader'
import { quoteTable } from './dump/identifierQuoting'
import { changedSince, openSnapshot, type Snapshot } from './dump/snapshot'
import { qualified, recreateChangedTables } from './existing/changedTables'
import { tableKey } from './schema/columnCatalog'
import { inspectTables } from './dump/tableInspector'
import { readForTarget } from './dump/latin1Text'
import { loadOrPlan } from './existing/chunkPlan'
import { analyzesCopiedTables, runExistingData } from './existing/existingDataStage'
import { prepareWriterSession } from './load/writerSession'
import { applySchema, indexDeferral, planSchema, readTargetCapabilities } from './schema/schemaStage'
import { selectSchemaObjects } from './schema/schemaObjects'
import { readDefaultCollations } from './schema/collationMapping'
import { createThrottler } from './throttle/throttler'
import type { Throttler } from './throttle/throttler'
import { randomInt } from 'node:crypto'
import type { BinlogPosition } from '../../shared/domain/position'
import type { TableRef } from './dump/types'
import type { TargetCapabilities } from './schema/ddlRewriter'
import { copiedPositions } from './replicate/copiedTables'
import { clearKeylessCheckpoint } from './replicate/keylessCheckpoint'
import { createSafeMode } from './replicate/safeMode'
import type { SafeMode } from './replicate/safeMode'
import { readHistorySeed } from './replicate/schemaTracker'
import { findToolTables } from './replicate/onlineSchemaChange'
import { requireTargetTables, resolveStart } from './replicate/startPosition'
import { backoff, budgetExhausted, clockTime, createRetryPolicy, isTransient } from './retryPolicy'

export type JobOutcome = 'finished' | 'paused' | 'failed'

export interface RunnerHooks {
  store: JobStore
  log(jobId: string, level: LogLevel, message: string, code?: string): void
  stageChanged(jobId: string, stage: Stage | null, status: JobStatus, error: CutoverError | null): void
  progress(progress: JobProgress): void
  /**
   * Incremental stage: the target has everything the source's binlog holds (lag 0 in seconds and bytes), after the
   * existing data is done; once per run (`job:caughtUp`). Also logged with code REPLICATE_CAUGHT_UP.
   */
  caughtUp?(jobId: string): void
  /**
   * The job lost a server and waits for its next attempt (also logged, with the error's code); null once it moves
   * again or stops.
   */
  reconnecting?(jobId: string, retry: JobRetry | null): void
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

/** Snapshots taken in a row, each followed by a DDL on its tables, before the job gives up. */
const maxSnapshotAttempts = 3

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

export function startJob(job: StoredJob, config: JobConfig, hooks: RunnerHooks, options: RunOptions = {}): RunningJob {
  const targetChunkBytes = options.targetChunkBytes ?? defaultChunkBytes
  const controller = new AbortController()
  let concurrency = config.spec.concurrency
  const throttler: Throttler = createThrottler(config.spec.exportMBps)
  const log = (level: LogLevel, message: string, code?: string) => hooks.log(job.id, level, message, code)
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
    hooks.reconnecting?.(job.id, next)
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
    if (hooks.ownsJob?.() === false) return
    const patch: Parameters<JobStore['updateJob']>[1] = { stage, status, lastError: error ? error.toShape() : null }
    if (status === 'running' && !hooks.store.getJob(job.id)?.startedAt) patch.startedAt = new Date().toISOString()
    if (status === 'finished') patch.finishedAt = new Date().toISOString()
    hooks.store.updateJob(job.id, patch)
    hooks.stageChanged(job.id, stage, status, error)
  }

  /** Status the job had in the store when this run began: 'running' or 'interrupted' means the last run ended abruptly. */
  let previousStatus: JobStatus | null = null

  async function run(signal: AbortSignal): Promise<JobOutcome> {
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
      const selected = await selectSchemaObjects(control, sourceInfo, config.objects)
      // An online schema change tool's tables (gh-ost's _t_gho, pt-osc's _t_new, …) are neither created nor copied:
      // the real table's binlog events carry the changes, and the tool's ALTER is applied to it at the cut-over.
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
      if (signal.aborted) return 'paused'
      const replicates = config.type !== 'existing'
      // The job's replication server id must never be the source's own.
      const sourceServerId = replicates
        ? Number((await control.query<{ id: unknown }>('SELECT @@server_id AS id'))[0]?.id ?? 0)
        : 0
      const copyDone =
        config.type === 'incremental' || (config.type === 'both' && hooks.store.getJob(job.id)?.stage === 'incremental')
      if (!copyDone) {
        // Snapshot first, then the schema, read while the snapshot's fingerprint of it still holds: schema, data
        // and binlog position are one point. A DDL that waited for the snapshot's lock runs right after it, and
        // the snapshot is taken again.
        const resumingData = hooks.store.getJob(job.id)?.stage === 'existing'
        const seedSchema =
          replicates && !hooks.store.replicationState(job.id, () => drawServerId(sourceServerId)).trackedSchema
        const caps = await readTargetCapabilities(targetControl, targetInfo, { databases: schemasOf(objects.tables) })
        const deferIndexes = await indexDeferral(
          targetControl,
          objects.tables,
          config.spec.deferIndexes,
          targetInfo.flavor,
        )
        if (!resumingData) setStage('schema', 'running')
        const readers = await Promise.all(Array.from({ length: concurrency }, () => open(sourceRoute, 'source')))
        const copied = new Map(hooks.store.listSnapshotTables(job.id).map((t) => [t.table, t]))
        const chunks = hooks.store.listChunks(job.id)
        const unfinished = new Set(chunks.filter((c) => c.state !== 'done').map((c) => c.table))
        const finished = new Set(chunks.filter((c) => !unfinished.has(c.table)).map((c) => c.table))
        const read = async (snap: Snapshot) => {
          // A table still being copied whose schema changed since the snapshot its rows came from (a DDL while the
          // job was stopped) is created and copied again from this snapshot.
          const changed = objects.tables.filter((t) => {
            const before = copied.get(qualified(t))
            return before && !finished.has(qualified(t)) && before.fingerprint !== snap.schema.get(tableKey(t))
          })
          return {
            seed: seedSchema ? await readHistorySeed(control, objects.tables) : null,
            plan: resumingData ? null : await planSchema(control, caps, objects, { deferIndexes }),
            changed,
            replan:
              changed.length > 0
                ? await planSchema(control, caps, { tables: changed, views: [] }, { deferIndexes })
                : null,
            shapes: (await inspectTables(control, objects.tables))
              .filter((s) => s.kind === 'table')
              .map((s) => readForTarget(s, targetInfo.flavor === 'tidb')),
          }
        }
        let snapshot = await openSnapshot({ locker: control, readers, info: sourceInfo, tables: objects.tables })
        let schema = await read(snapshot)
        for (let attempt = 1; ; attempt++) {
          const changed = await changedSince(snapshot, control, objects.tables)
          if (changed.length === 0) break
          const names = changed.map((t) => `${t.schema}.${t.name}`).join(', ')
          if (attempt === maxSnapshotAttempts) {
            throw new CutoverError({
              code: 'SNAPSHOT_SCHEMA_UNSTABLE',
              stage: 'existing',
              message: `The schema of ${names} changed right after each of ${attempt} snapshots (a DDL ran after the snapshot's lock was released), so no snapshot has one schema for its data.`,
              workaround:
                'Let the running schema changes (ALTER TABLE, an online schema change tool) finish, then resume the job.',
            })
          }
          log(
            'warning',
            `${names} changed by a DDL right after the snapshot (it waited for the snapshot's lock): the snapshot is taken again so that schema, data and binlog position are one point.`,
            'SNAPSHOT_SCHEMA_CHANGED',
          )
          snapshot = await openSnapshot({ locker: control, readers, info: sourceInfo, tables: objects.tables })
          schema = await read(snapshot)
        }
        log(
          'info',
          `Consistent snapshot opened with ${snapshot.method === 'flush-tables' ? 'FLUSH TABLES WITH READ LOCK' : 'LOCK TABLES … READ (FTWRL not permitted)'}; writes were blocked for ${snapshot.lockHoldMs.toFixed(0)} ms.`,
          'SNAPSHOT_OPENED',
        )
        if (snapshot.position) {
          const first = hooks.store.getPosition(job.id, 'snapshot') === null
          // A job run over from the start (Restart) must not skip key-less changes its earlier run had applied.
          if (first && replicates) await clearKeylessCheckpoint(targetControl, job.id)
          hooks.store.savePosition(job.id, first ? 'snapshot' : 'resume', snapshot.position)
          log(
            'info',
            `Snapshot binlog position ${snapshot.position.file}:${snapshot.position.position}${snapshot.position.gtidSet ? `, GTID ${snapshot.position.gtidSet}` : ''}.`,
          )
        }
        if (replicates) {
          if (!snapshot.position) {
            throw new CutoverError({
              code: 'REPLICATE_NO_BINLOG',
              stage: 'existing',
              message: 'The source has no binary log, so changes made during and after the copy cannot be replicated.',
              workaround:
                'Enable log_bin (binlog_format=ROW, binlog_row_image=FULL) on the source and restart it, or run an "existing" job.',
            })
          }
          // The schema history starts at the first snapshot, with the tables as that snapshot has them.
          if (schema.seed) {
            hooks.store.saveAppliedCheckpoint(
              job.id,
              hooks.store.getPosition(job.id, 'snapshot') ?? snapshot.position,
              JSON.stringify(schema.seed),
            )
          }
        }

        if (schema.plan) {
          const plan = schema.plan
          // Recorded first: a job stopped after its tables exist still builds their indexes when it resumes.
          hooks.store.saveDeferredIndexes(job.id, plan.deferredIndexes)
          const { created } = await applySchema(plan, targetControl, log)
          hooks.store.saveSnapshotTables(
            job.id,
            objects.tables.map((t) => ({
              table: qualified(t),
              fingerprint: snapshot.schema.get(tableKey(t)) ?? '',
              created: created.includes(qualified(t)),
            })),
          )
          recovered()
          log(
            'info',
            `Schema created: ${plan.statements.filter((s) => s.kind === 'table').length} tables, ${plan.statements.filter((s) => s.kind === 'view').length} views, ${plan.rewrites.length} rewrites.`,
            'SCHEMA_CREATED',
          )
        }
        if (schema.replan) {
          await recreateChangedTables({
            jobId: job.id,
            store: hooks.store,
            target: targetControl,
            tables: schema.changed,
            plan: schema.replan,
            snapshot,
            copied,
            replicates,
            log,
          })
        }
        if (signal.aborted) return 'paused'

        setStage('existing', 'running')
        const shapes = schema.shapes
        for (const s of shapes.filter((t) => !t.key)) {
          log(
            'warning',
            `${s.table.schema}.${s.table.name} has no primary key or NOT NULL unique key: it is read as one stream, and replaying it after an interruption may duplicate rows.`,
            'DUMP_NO_KEY',
          )
        }
        // The chunk plan is stored just before the first chunk starts. A resumed job's tables may hold rows even
        // when no chunk is done: a LOAD DATA stopped by a pause keeps (commits) the rows it had read.
        const hasStartedBefore = hooks.store.listChunks(job.id).length > 0
        if (config.mode === 'physical' && !hasStartedBefore) {
          const busy: string[] = []
          for (const s of shapes) {
            const rows = await targetControl.query(`SELECT 1 FROM ${quoteTable(s.table)} LIMIT 1`)
            if (rows.length > 0) busy.push(`${s.table.schema}.${s.table.name}`)
          }
          if (busy.length > 0) {
            throw new CutoverError({
              code: 'LOAD_TARGET_NOT_EMPTY',
              stage: 'existing',
              message: `Physical mode loads into empty tables only, and these target tables have rows: ${busy.slice(0, 10).join(', ')}${busy.length > 10 ? ` and ${busy.length - 10} more` : ''}.`,
              workaround:
                'Empty those tables on the target (TRUNCATE TABLE …), or use logical mode, which replaces duplicate keys.',
            })
          }
        }
        const tables = await loadOrPlan(hooks.store, job.id, control, shapes, targetChunkBytes, async (shape) => {
          const rows = await targetControl.query(`SELECT 1 FROM ${quoteTable(shape.table)} LIMIT 1`)
          return rows.length === 0
        })
        for (const reader of snapshot.sessions) await prepareRawReads(reader)
        const [packet] = await targetControl.query<{ p: string | number }>('SELECT @@max_allowed_packet AS p')
        const statistics = await analyzesCopiedTables(targetControl, config.spec.analyze, targetInfo.flavor)
        if (statistics.skipped)
          log('info', `The copied tables are not analyzed by the job: ${statistics.skipped}.`, 'LOAD_ANALYZE_SKIPPED')
        await runExistingData(
          {
            jobId: job.id,
            store: hooks.store,
            mode: config.mode,
            tables,
            snapshot: snapshot.position?.file
              ? { file: snapshot.position.file, position: snapshot.position.position }
              : null,
            readers: snapshot.sessions,
            openWriter: () => openWriterSession(targetRoute, signal),
            maxAllowedPacket: Number(packet?.p ?? 16 * 1024 * 1024),
            concurrency: () => concurrency,
            throttler,
            deferredIndexes: hooks.store.listDeferredIndexes(job.id),
            indexesBuilt: (table) => hooks.store.deferredIndexesBuilt(job.id, table),
            analyze: statistics.analyze,
            log,
            progress: hooks.progress,
            recovered,
          },
          signal,
        )
        if (signal.aborted) return 'paused'
        const pending = hooks.store.listChunks(job.id).filter((c) => c.state !== 'done').length
        if (pending > 0) return 'paused'
        const totals = hooks.store.listChunks(job.id).reduce((n, c) => n + c.rows, 0)
        log('info', `Existing data copied: ${totals} rows in ${shapes.length} tables.`, 'LOAD_DONE')
        for (const reader of snapshot.sessions) await reader.close().catch(() => undefined)
        if (!replicates) return 'finished'
      }

      // Incremental: from the snapshot (both) or the configured start (incremental), until paused.
      if (config.type === 'incremental') {
        await requireTargetTables(targetControl, objects.tables)
        const state = hooks.store.replicationState(job.id, () => drawServerId(sourceServerId))
        if (!state.trackedSchema) {
          const start = await resolveStart(control, sourceInfo, config.start)
          hooks.store.savePosition(job.id, 'snapshot', start)
          hooks.store.saveAppliedCheckpoint(
            job.id,
            start,
            JSON.stringify(await readHistorySeed(control, objects.tables)),
          )
        }
      }
      setStage('incremental', 'running')
      if (previousStatus === 'running' || previousStatus === 'interrupted')
        safeMode.enableFor(60_000, 'the previous run stopped abruptly')
      const resume = hooks.store.getPosition(job.id, 'resume')
      if (resume) safeMode.enableUntil(resume, 'the existing data was copied from more than one snapshot')
      const caps: TargetCapabilities = await readTargetCapabilities(targetControl, targetInfo, {
        databases: schemasOf(objects.tables),
      })
      const [packetRow] = await targetControl.query<{ p: string | number }>('SELECT @@max_allowed_packet AS p')
      const start: BinlogPosition | null = hooks.store.getPosition(job.id, 'snapshot')
      if (!start) throw new Error('the incremental stage has no start position')
      const state = hooks.store.replicationState(job.id, () => drawServerId(sourceServerId))
      const copiedAt = copiedPositions(hooks.store.listChunks(job.id), start)
      for (const [table, at] of copiedAt)
        log(
          'info',
          `${table} was copied from a later snapshot (${at.file}:${at.position}): its changes before that point are in the copy and are not applied again.`,
        )
      for (const t of JSON.parse(state.trackedSchema ?? '[]') as { ref: TableRef; uniqueKeys: unknown[] }[]) {
        if (t.uniqueKeys.length === 0) {
          log(
            'warning',
            `${t.ref.schema}.${t.ref.name} has no primary key or NOT NULL unique key: a replay after an interruption (safe mode) cannot be idempotent for it, so the transactions changing it are applied in binlog order by one writer, each with its position recorded in \`cutover_meta\`.\`keyless_applied\` on the target; a transaction committed in parts (over the target transaction cap, REPLICATE_TXN_SPLIT) or first changing it after its first 2,000 row changes may still have them applied twice after a kill.`,
            'REPLICATE_NO_KEY',
          )
        }
      }
      let announced = false
      // Loaded here: the binlog client is not needed (nor loaded) by existing-data-only runs and prechecks.
      const { runIncremental } = await import('./replicate/incrementalStage')
      await runIncremental(
        {
          jobId: job.id,
          store: hooks.store,
          objects: config.objects,
          sourceRoute,
          // With the run's signal: a pause ends a connect that waits on an unanswering server.
          openSource: () => openSessionOnRoute(sourceRoute, 'source', { signal }),
          openWriter: () => openWriterSession(targetRoute, signal),
          openTargetControl: () => openWriterSession(targetRoute, signal),
          target: caps,
          maxAllowedPacket: Number(packetRow?.p ?? 16 * 1024 * 1024),
          serverId: state.serverId,
          safeMode,
          start,
          copiedAt,
          concurrency: () => concurrency,
          log,
          progress: hooks.progress,
          caughtUp: () => {
            if (announced) return
            announced = true
            log('info', 'Caught up: the target has every change in the source binlog (lag 0).', 'REPLICATE_CAUGHT_UP')
            hooks.caughtUp?.(job.id)
          },
          heartbeatSeconds: options.heartbeatSeconds,
          txnCapBytes: options.txnCapBytes,
          sourceCollations: await readDefaultCollations(control),
          recovered,
        },
        signal,
      )
      return 'paused'
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
        const stage = hooks.store.getJob(job.id)?.stage ?? null
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
          `${cause.message} Reconnecting in ${Math.ceil(decision.delayMs / 1000)} s from the last checkpoint${replay} (attempt ${decision.attempt}, at ${clockTime(decision.nextAttemptAt)}; gives up at ${clockTime(decision.givesUpAt)}).`,
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
    const before = hooks.store.getJob(job.id)
    previousStatus = before?.status ?? null
    setStage(before?.stage ?? null, 'running')
    try {
      const outcome = await runWithRetries(controller.signal)
      if (waiting) announce(null)
      const stage = hooks.store.getJob(job.id)?.stage ?? null
      if (outcome === 'finished') setStage(stage, 'finished')
      else {
        setStage(stage, 'paused')
        log('info', 'Job paused; committed chunks are kept and resuming redoes only the rest.')
      }
      return outcome
    } catch (error) {
      if (waiting) announce(null)
      const stage = hooks.store.getJob(job.id)?.stage ?? null
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

const schemasOf = (tables: readonly TableRef[]): string[] => [...new Set(tables.map((t) => t.schema))]
