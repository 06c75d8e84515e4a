import type { CutoverErrorShape, Stage } from './errors'
import type { JobStatus } from './job'

export const logLevels = ['debug', 'info', 'warning', 'error'] as const
export type LogLevel = (typeof logLevels)[number]

export interface JobLogEntry {
  id: number
  jobId: string
  time: string
  level: LogLevel
  code: string | null
  message: string
}

/**
 * Where a table is in the existing-data stage: waiting for a worker, its chunks being copied, its deferred secondary
 * indexes being built, ANALYZE TABLE running, or finished. 'restarted': copied again from the start, waiting or
 * under way
 * (its source schema changed while the job was stopped: LOAD_TABLE_RECOPIED).
 */
export const tablePhases = ['queued', 'copying', 'restarted', 'indexing', 'analyzing', 'done'] as const
export type TablePhase = (typeof tablePhases)[number]

export interface TableProgress {
  table: string
  phase: TablePhase
  rowsDone: number
  rowsTotal: number | null
  bytesDone: number
  rowsPerSecond: number
  etaSeconds: number | null
}

export interface JobProgress {
  jobId: string
  stage: Stage
  tables: TableProgress[]
  rowsPerSecond: number
  bytesPerSecond: number
  lagSeconds: number | null
  lagBytes: number | null
  /** Seconds until the stage's rows are all copied, smoothed (etaSmoother.ts); null when unknown or not copying. */
  etaSeconds: number | null
}

export interface JobStageChanged {
  jobId: string
  stage: Stage | null
  status: JobStatus
  error: CutoverErrorShape | null
}

/** A job waiting to try again after losing a server (`job:reconnecting`). */
export interface JobRetry {
  stage: Stage | null
  /** The server that was lost: "the source (host:port)", or both when the error does not say which. */
  server: string
  error: CutoverErrorShape
  /** 1 for the first retry of this outage. */
  attempt: number
  /** ISO times: when the next attempt starts, and when the job fails if the server is still lost then. */
  nextAttemptAt: string
  givesUpAt: string
}

/** `retry` null: the job reached its server again (or stopped), and is no longer waiting. */
export interface JobReconnecting {
  jobId: string
  retry: JobRetry | null
}

/**
 * - `stopped`: the job has been paused, failed or interrupted for longer than the configured time;
 * - `lagRising`: replication lag above the configured threshold kept rising for the configured window.
 */
export type JobAlertKind = 'stopped' | 'lagRising'

export interface JobAlert {
  jobId: string
  jobName: string
  kind: JobAlertKind
  /** ISO time the condition began: the job's status time (`stopped`), the first sample of the rising window (`lagRising`). */
  since: string
  /** `stopped`: the status the job is in. */
  status: JobStatus | null
  /** `lagRising`: the latest lag, in seconds. */
  lagSeconds: number | null
  message: string
}

/** `job:alert`: an alert raised (once per episode) or cleared when its condition ended. */
export interface JobAlertEvent {
  state: 'raised' | 'cleared'
  alert: JobAlert
}

/** One point of a job's throughput and lag history (`job:history`): means over `spanMs` from `t`. */
export interface JobSample {
  /** Start of the span, ms since the epoch. */
  t: number
  spanMs: number
  stage: Stage
  rowsPerSecond: number
  bytesPerSecond: number
  /** The highest lag in the span; null while not replicating. */
  lagSeconds: number | null
}
