import { CutoverError } from '../../../shared/domain/errors'
import type { TableRef } from '../vocabulary/tableRef'

/** A row that cannot be sent in any statement the target accepts. */
export function rowTooLargeError(
  table: TableRef,
  key: string | null,
  bytes: number,
  maxAllowedPacket: number,
): CutoverError {
  return new CutoverError({
    code: 'LOAD_ROW_TOO_LARGE',
    message: `A row of ${table.schema}.${table.name}${key ? ` (key ${key})` : ''} needs ${bytes} bytes, more than the target's max_allowed_packet of ${maxAllowedPacket}.`,
    workaround:
      'Raise max_allowed_packet on the target (and txn-entry-size-limit on TiDB) above the largest row, then resume the job.',
    stage: 'existing',
  })
}

export interface BatchLimits {
  /** The target's `max_allowed_packet`: no statement may be larger. */
  maxAllowedPacket: number
  /** Well under TiDB's 6 MiB entry limit so one statement never makes an oversized raft entry. */
  maxStatementBytes?: number
  maxRowsPerStatement?: number
  /** Well under TiDB's 100 MiB `txn-total-size-limit` and cheap to redo after a conflict. */
  maxTransactionBytes?: number
  /** Bytes every statement carries besides its rows (`REPLACE INTO … VALUES `). */
  statementOverheadBytes?: number
  table: TableRef
}

export const defaultBatchLimits = {
  maxStatementBytes: 1024 * 1024,
  maxRowsPerStatement: 5000,
  maxTransactionBytes: 16 * 1024 * 1024,
} as const

/** What the writer must do, in order: send the rows as one statement, or commit the open transaction. */
export type BatchAction<Row> = { type: 'statement'; rows: Row[]; bytes: number } | { type: 'commit' }

export interface Batcher<Row> {
  /**
   * Adds one encoded row (`bytes` includes its separator). Returns the actions due *before* the row can be added;
   * `describeKey` is only called to name an oversized row in the error.
   */
  push(row: Row, bytes: number, describeKey?: () => string): BatchAction<Row>[]
  /** Flushes the open statement and commits; call at the end of each chunk so checkpoints follow commits. */
  finish(): BatchAction<Row>[]
}

export function createBatcher<Row>(limits: BatchLimits): Batcher<Row> {
  const overhead = limits.statementOverheadBytes ?? 0
  const maxRows = limits.maxRowsPerStatement ?? defaultBatchLimits.maxRowsPerStatement
  const maxTransaction = limits.maxTransactionBytes ?? defaultBatchLimits.maxTransactionBytes
  // A statement over max_allowed_packet is refused by the server, so the packet caps the configured size.
  const maxStatement = Math.min(
    limits.maxStatementBytes ?? defaultBatchLimits.maxStatementBytes,
    limits.maxAllowedPacket,
  )
  if (maxRows < 1 || maxStatement <= overhead || maxTransaction < 1)
    throw new Error('batch limits leave no room for a row')

  let rows: Row[] = []
  let statementBytes = overhead
  let transactionBytes = 0

  const flushStatement = (actions: BatchAction<Row>[]): void => {
    if (rows.length === 0) return
    if (transactionBytes > 0 && transactionBytes + statementBytes > maxTransaction) {
      actions.push({ type: 'commit' })
      transactionBytes = 0
    }
    actions.push({ type: 'statement', rows, bytes: statementBytes })
    transactionBytes += statementBytes
    rows = []
    statementBytes = overhead
  }

  return {
    push(row, bytes, describeKey) {
      if (overhead + bytes > limits.maxAllowedPacket) {
        throw rowTooLargeError(limits.table, describeKey?.() ?? null, overhead + bytes, limits.maxAllowedPacket)
      }
      const actions: BatchAction<Row>[] = []
      // A row larger than the statement limit still goes, alone: the check only splits before it, never refuses it.
      if (rows.length > 0 && (statementBytes + bytes > maxStatement || rows.length >= maxRows)) flushStatement(actions)
      rows.push(row)
      statementBytes += bytes
      return actions
    },
    finish() {
      const actions: BatchAction<Row>[] = []
      flushStatement(actions)
      if (transactionBytes > 0) actions.push({ type: 'commit' })
      transactionBytes = 0
      return actions
    },
  }
}
