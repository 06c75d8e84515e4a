/**
 * The migration report: what a job migrated and how, from its store — objects and sizes, every schema rewrite and
 * lost semantic, warnings accepted, stage timings and throughput, validation results, the cutover point. The
 * counterpart of the precheck report for the whole job; written as JSON and as one HTML page. Never holds a secret.
 */
import type { CutoverRecord } from './cutover'
import type { JobMode, JobStatus, JobType } from './job'
import type { BinlogPosition } from './position'
import type { ValidationResult } from './validation'

export interface ReportTable {
  table: string
  rowsCopied: number
  bytesCopied: number
  rowChangesReplicated: number
  /** Whether the job created the table on the target (false: it existed and was loaded into). */
  created: boolean | null
}

export interface ReportStage {
  name: 'schema' | 'existing' | 'incremental' | 'cutover'
  startedAt: string | null
  /** Null while the stage runs (or for replication, until the cutover). */
  endedAt: string | null
  /** Wall-clock seconds from start to end (pauses included). */
  seconds: number | null
  rows: number | null
  bytes: number | null
  rowsPerSecond: number | null
  bytesPerSecond: number | null
}

/** A logged fact the report groups: a schema rewrite, something not migrated, a warning, a DBA's decision. */
export interface ReportEntry {
  time: string
  code: string | null
  message: string
}

export interface MigrationReport {
  generatedAt: string
  job: {
    id: string
    name: string
    type: JobType
    mode: JobMode
    status: JobStatus
    source: string
    target: string
    objects: string
    createdAt: string
    startedAt: string | null
    finishedAt: string | null
  }
  totals: { tables: number; rowsCopied: number; bytesCopied: number; rowChangesReplicated: number }
  tables: ReportTable[]
  stages: ReportStage[]
  positions: { snapshot: BinlogPosition | null; applied: BinlogPosition | null }
  /** Schema rewrites made to fit the target (CREATE and replicated DDL), with the semantics they change. */
  rewrites: ReportEntry[]
  /** Objects not migrated and semantics lost (triggers, routines, collations that compare differently). */
  notMigrated: ReportEntry[]
  /** Precheck warnings the run went ahead with. */
  warningsAccepted: { item: string; message: string; fix: string }[]
  /** Warnings logged while the job ran. */
  warnings: ReportEntry[]
  /** DDL the DBA skipped or replaced. */
  decisions: ReportEntry[]
  validations: {
    count: number
    last: ValidationResult | null
    /** Rows replication changed, compared again in the background (null when the job never did). */
    continuous: import('./validation').ContinuousValidationStatus | null
  }
  cutover: CutoverRecord | null
}
