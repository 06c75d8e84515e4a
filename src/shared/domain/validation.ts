/**
 * A validation: every table of a job compared between source and target, chunk by chunk, and the rows that differ.
 * Stored in the job store (the last one is shown on the job page and goes into the migration report).
 */
import type { CutoverErrorShape } from './errors'

/** `running` while it runs; `equal`: every table equal; `different`: a table differs; `failed` / `cancelled`: stopped. */
export type ValidationStatus = 'running' | 'equal' | 'different' | 'failed' | 'cancelled'

/**
 * - `equal`: counts and checksums agree over every chunk;
 * - `different`: rows differ (listed), or the table lacks columns on the target;
 * - `missing`: the table is not on the target;
 * - `unsettled`: a table without a key differed at every re-check while the job kept replicating writes into it, so
 *   no consistent point was found to tell a difference from rows in flight;
 * - `failed`: the table could not be compared (`error` says why).
 */
export type TableValidationStatus = 'equal' | 'different' | 'missing' | 'unsettled' | 'failed'

export interface RowDifference {
  /** `missing`: only the source has the row; `extra`: only the target; `different`: both, with other values. */
  kind: 'missing' | 'extra' | 'different'
  /** The row's key, column by column, as text (binary values as 0x…). */
  key: Record<string, string>
  /** `different`: the columns whose values differ. */
  columns: string[]
}

export interface TableValidation {
  table: string
  status: TableValidationStatus
  /** `chunks`: by key ranges, differing rows located; `whole`: one count and checksum for the table (no usable key). */
  method: 'chunks' | 'whole'
  sourceRows: number
  targetRows: number
  chunks: number
  missing: number
  extra: number
  different: number
  /** The first differing rows (at most `differencesKept`); the counts above are complete. */
  differences: RowDifference[]
  /** What the reader should know: collation rewrites, columns not compared, limits of the method. */
  notes: string[]
  /** Chunks compared again after the applier passed the source position they were read at. */
  rechecks: number
  seconds: number
  error: CutoverErrorShape | null
}

export interface ValidationResult {
  id: string
  jobId: string
  status: ValidationStatus
  startedAt: string
  finishedAt: string | null
  tables: TableValidation[]
  /** The SQL file that would make the target equal (REPLACE / DELETE); never run by Cutover. Null when none. */
  repairSqlPath: string | null
  rowsCompared: number
  rowsPerSecond: number
  /** Whether the job was replicating while it ran (differences were re-checked before being reported). */
  whileReplicating: boolean
  error: CutoverErrorShape | null
}

export interface ValidationProgress {
  validationId: string
  jobId: string
  table: string | null
  tablesDone: number
  tablesTotal: number
  chunksDone: number
  chunksTotal: number
  rowsDone: number
  rowsPerSecond: number
  differences: number
}

/** How many differing rows of one table a result lists (the repair SQL has them all). */
export const differencesKept = 200

/**
 * Continuous validation of a replicating job (spec `continuousValidation`): every row the binlog changes is
 * compared again between source and target once the change is applied, at a consistent point (rows still
 * changing are in flight and wait for a later round).
 */
export interface ContinuousValidationStatus {
  jobId: string
  /** Changed rows waiting for their comparison (not applied long enough yet, or changing while compared). */
  pending: number
  /** Rows found different at a consistent point (the first of them in `failedRows`); cleared once equal again. */
  failed: number
  /** Comparisons that found the rows equal, since the job first followed its changes. */
  checked: number
  /** Changed rows not followed (a table without a key, the pending limit reached): a full validation covers them. */
  notFollowed: { table: string; rows: number; reason: string }[]
  /** The first differing rows (at most `differencesKept`), oldest first. */
  failedRows: (RowDifference & { table: string; foundAt: string })[]
  updatedAt: string
}

/** A row's key as people read it: `region=zürich, n=3`. */
export function rowKeyText(key: RowDifference['key']): string {
  return Object.entries(key)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')
}
