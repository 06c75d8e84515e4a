/**
 * What every stage of a job is to the runner (jobRunner.ts): a name, the stage the job shows while it runs, and
 * `run(ctx, signal)` over a read-only context. Stages write their progress through the checkpoint port (the part of
 * the job store a running job writes) and speak through the engine's events; they never see the whole store.
 */
import type { Stage } from '../../shared/domain/errors'
import type { LogLevel } from '../../shared/domain/events'
import type { JobConfig, JobStatus } from '../../shared/domain/job'
import type { JobStore } from '../store/jobStore'
import type { ConnectRoute } from './connect/openSession'
import type { ServerInfo, SqlSession } from './connect/session'
import type { EngineEvents } from './engineEvents'
import type { SafeMode } from './replicate/safeMode'
import type { SnapshotPoint } from './snapshot/snapshotJobStage'
import type { Throttler } from './throttle/throttler'
import type { TableRef } from './vocabulary/tableRef'

/** The store methods stages use: chunk, position, schema-history and index checkpoints, lag, and the event log. */
export type CheckpointPort = Pick<
  JobStore,
  | 'getPosition'
  | 'savePosition'
  | 'replicationState'
  | 'saveAppliedCheckpoint'
  | 'listSnapshotTables'
  | 'saveSnapshotTables'
  | 'listChunks'
  | 'saveChunks'
  | 'forgetChunks'
  | 'saveDeferredIndexes'
  | 'listDeferredIndexes'
  | 'deferredIndexesBuilt'
  | 'addTableChanges'
  | 'saveSafeUntil'
  | 'updateJob'
  | 'blockedDdl'
  | 'saveBlockedDdl'
  | 'clearBlockedDdl'
  | 'appendEvent'
  | 'saveContinuousValidation'
  | 'restoreContinuousValidation'
>

/** Where a run starts, read from the store once when each attempt begins. */
export interface ResumePoint {
  /** The stage the job had reached: 'existing' means its schema is created, 'incremental' its copy is done. */
  stage: Stage | null
  /** The run before this one ended without pausing (killed, a lost machine): a replay may meet applied changes. */
  endedAbruptly: boolean
}

/** The side of a job a stage reads or writes: its route, a control session (closed with the run), the server. */
export interface JobSide {
  route: ConnectRoute
  control: SqlSession
  info: ServerInfo
}

export interface StageContext {
  readonly jobId: string
  readonly config: JobConfig
  /** The selected tables and views, without an online schema change tool's shadow tables. */
  readonly objects: { tables: TableRef[]; views: TableRef[]; sequences: TableRef[] }
  readonly source: JobSide
  readonly target: JobSide
  readonly resume: ResumePoint
  /** The consistent snapshot the copy reads from, once the snapshot stage has taken it. */
  readonly point: SnapshotPoint | null
  readonly checkpoints: CheckpointPort
  readonly events: EngineEvents
  /** Appends to the job's event log and emits it (`job:log`). */
  log(level: LogLevel, message: string, code?: string): void
  /** A stage moved forward: a retry outage in progress is over. */
  recovered(): void
  /** Opens a source session; the caller closes it. */
  openSource(): Promise<SqlSession>
  /** Opens a source session that the run closes at its end (the snapshot's readers). */
  openSourceForRun(): Promise<SqlSession>
  /** Opens a target session with the settings every writer needs; the caller closes it. */
  openWriter(): Promise<SqlSession>
  /** The job's replication server id, drawn once (never the source's own) and kept in the store. */
  drawServerId(): number
  /** Read live: the spec's concurrency as changed while running. */
  concurrency(): number
  readonly throttler: Throttler
  /** Kept across a run's retries: a reconnect turns it on for the replay from the checkpoint. */
  readonly safeMode: SafeMode
  /** Chunk size the planner aims for. */
  readonly targetChunkBytes: number
  /** Seconds between the source's heartbeats while idle. */
  readonly heartbeatSeconds?: number
  /** The most row data one target transaction of replication may hold (tests lower it). */
  readonly txnCapBytes?: number
  /** Continuous validation: how long after its change a row is first compared (tests lengthen it). */
  readonly validationDelayMs?: number
}

/** 'done': the next stage runs; 'paused': the run stops here, its checkpoints kept. */
export type StageOutcome = { status: 'done'; point?: SnapshotPoint } | { status: 'paused' }

export interface JobStage {
  name: 'snapshot' | 'schema' | 'existing' | 'incremental'
  /** The stage the job shows while this one runs (kept when the job is already further). */
  shows: Stage
  run(ctx: StageContext, signal: AbortSignal): Promise<StageOutcome>
}

/** Job statuses whose run ended without pausing. */
export const abruptEnds: readonly JobStatus[] = ['running', 'interrupted']
