/**
 * Writes one chunk's rows to the target. Logical mode: multi-row REPLACE statements sized by bytes (duplicate
 * keys are replaced, as the seed specifies), one statement executing while the next is read and encoded.
 * Physical mode: one LOAD DATA LOCAL INFILE streaming the rows as escaped Buffers. Both return only once the
 * target has committed every row, so the caller may then checkpoint the chunk.
 */
import { Readable } from 'node:stream'
import type { SqlSession } from '../connect/session'
import { rowBatches } from '../dump/chunkReader'
import { copiedColumns } from '../dump/columnSelection'
import { quoteIdentifier, quoteTable } from '../dump/identifierQuoting'
import type { ColumnInfo, TableRef } from '../dump/types'
import type { Throttler } from '../throttle/throttler'
import { defaultBatchLimits, rowTooLargeError } from './batchSizer'
import { ByteSink, compileLoadDataEncoder, compileSqlTupleWriter } from './rowEncoders'
import { buildLoadDataStatement } from './valueEncoding'

export interface WriteResult {
  rows: number
  bytes: number
}

export interface WriteOptions {
  table: TableRef
  columns: ColumnInfo[]
  /** The chunk's rows as the reader streams them (object mode, raw cells). */
  rows: Readable
  throttler: Throttler
  signal: AbortSignal
  /** Rows and bytes just committed, for progress. */
  onCommitted(rows: number, bytes: number): void
  /** Rows and bytes just sent to the target (not yet committed), for live progress and the export rate. */
  onWritten?(rows: number, bytes: number): void
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted')
}

export async function writeChunkLogical(
  session: SqlSession,
  options: WriteOptions & { maxAllowedPacket: number },
): Promise<WriteResult> {
  const { table, signal } = options
  const columns = copiedColumns(options.columns)
  const writeTuple = compileSqlTupleWriter(options.columns)
  const head = Buffer.from(
    `REPLACE INTO ${quoteTable(table)} (${columns.map((c) => quoteIdentifier(c.name)).join(', ')}) VALUES `,
    'utf8',
  )
  // A statement never exceeds max_allowed_packet; keep 1 KiB for the protocol's own header.
  const maxStatement = Math.min(defaultBatchLimits.maxStatementBytes, options.maxAllowedPacket - 1024)
  const sink = new ByteSink(maxStatement + 64 * 1024)
  let rowsInStatement = 0
  let inFlight: Promise<void> = Promise.resolve()
  let inTransaction = false
  let transactionBytes = 0
  let uncommittedRows = 0
  let uncommittedBytes = 0
  const total: WriteResult = { rows: 0, bytes: 0 }

  const commit = async () => {
    await inFlight
    if (inTransaction) await session.query('COMMIT')
    inTransaction = false
    transactionBytes = 0
    options.onCommitted(uncommittedRows, uncommittedBytes)
    uncommittedRows = 0
    uncommittedBytes = 0
  }

  /** Sends the statement built so far; the next one starts with `carry` (a row that did not fit). */
  const send = async (carry: Buffer | null) => {
    const statement = sink.take()
    const rows = rowsInStatement
    sink.bytes(head)
    rowsInStatement = 0
    if (carry) {
      sink.bytes(carry)
      rowsInStatement = 1
    }
    // One statement at a time on this session; waiting here is what bounds memory to ~2 statements.
    await inFlight
    if (inTransaction && transactionBytes + statement.length > defaultBatchLimits.maxTransactionBytes) await commit()
    if (!inTransaction) {
      await session.query('START TRANSACTION')
      inTransaction = true
    }
    transactionBytes += statement.length
    uncommittedRows += rows
    uncommittedBytes += statement.length
    // Every literal is ASCII (text and binary go as hex), so latin1 turns the bytes into the string mysql2 sends.
    inFlight = session.query(statement.toString('latin1')).then(() => undefined)
    // Attach a handler now; the error is rethrown by the next `await inFlight`.
    inFlight.catch(() => undefined)
  }

  try {
    sink.bytes(head)
    for await (const batch of rowBatches(options.rows)) {
      if (signal.aborted) throw abortError(signal)
      let batchBytes = 0
      for (const row of batch) {
        const start = sink.length
        if (rowsInStatement > 0) sink.byte(0x2c)
        writeTuple(row, sink)
        const rowBytes = sink.length - start
        batchBytes += rowBytes
        total.rows += 1
        total.bytes += rowBytes
        if (head.length + rowBytes > options.maxAllowedPacket) {
          throw rowTooLargeError(table, describeKey(row, columns), head.length + rowBytes, options.maxAllowedPacket)
        }
        if (rowsInStatement > 0 && sink.length > maxStatement) {
          // The row does not fit: the statement goes without it, and the row opens the next one.
          const carry = sink.copyFrom(start + 1)
          sink.truncate(start)
          await send(carry)
        } else {
          rowsInStatement += 1
        }
        if (rowsInStatement >= defaultBatchLimits.maxRowsPerStatement || sink.length >= maxStatement) await send(null)
      }
      await options.throttler.take(batchBytes, signal)
      options.onWritten?.(batch.length, batchBytes)
    }
    if (rowsInStatement > 0) await send(null)
    await commit()
    return total
  } catch (error) {
    await inFlight.catch(() => undefined)
    if (inTransaction) await session.query('ROLLBACK').catch(() => undefined)
    throw error
  }
}

function describeKey(row: (Buffer | null)[], columns: ColumnInfo[]): string {
  const first = row[0]
  return `${columns[0]?.name ?? '?'}=${first === null || first === undefined ? 'NULL' : first.subarray(0, 40).toString('utf8')}`
}

/** Encoded rows in ~256 KiB Buffers: LOAD DATA LOCAL needs Buffer chunks, and fewer, larger writes are faster. */
async function* loadDataPieces(options: WriteOptions, counters: WriteResult): AsyncGenerator<Buffer> {
  const encode = compileLoadDataEncoder(options.columns)
  const sink = new ByteSink()
  let rowsInPiece = 0
  for await (const batch of rowBatches(options.rows)) {
    if (options.signal.aborted) throw abortError(options.signal)
    for (const row of batch) encode(row, sink)
    counters.rows += batch.length
    rowsInPiece += batch.length
    if (sink.length >= 256 * 1024) {
      const piece = sink.take()
      counters.bytes += piece.length
      await options.throttler.take(piece.length, options.signal)
      options.onWritten?.(rowsInPiece, piece.length)
      rowsInPiece = 0
      yield piece
    }
  }
  if (sink.length > 0) {
    const piece = sink.take()
    counters.bytes += piece.length
    await options.throttler.take(piece.length, options.signal)
    options.onWritten?.(rowsInPiece, piece.length)
    yield piece
  }
}

export async function writeChunkPhysical(session: SqlSession, options: WriteOptions): Promise<WriteResult> {
  const counters: WriteResult = { rows: 0, bytes: 0 }
  // REPLACE makes a redone chunk (after a crash mid-load) idempotent for keyed tables.
  const sql = buildLoadDataStatement(options.table, options.columns, { duplicates: 'replace' })
  const stream = Readable.from(loadDataPieces(options, counters), { objectMode: false })
  try {
    await session.raw.query({ sql, infileStreamFactory: () => stream } as never)
  } catch (error) {
    stream.destroy()
    throw error
  }
  if (options.signal.aborted) throw abortError(options.signal)
  // LOAD DATA under autocommit is its own transaction: committed when the statement returns.
  options.onCommitted(counters.rows, counters.bytes)
  return counters
}
