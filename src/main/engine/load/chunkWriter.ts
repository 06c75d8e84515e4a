/**
 * Writes one chunk's rows to the target. Logical mode: multi-row REPLACE statements sized by bytes (duplicate
 * keys are replaced, as the seed specifies), one statement executing while the next is read and encoded.
 * Physical mode: one LOAD DATA LOCAL INFILE streaming the rows as Buffers (format: valueEncoding's loadDataQuote). Both return only once the
 * target has committed every row, so the caller may then checkpoint the chunk.
 */
import { executeRaw, infileHeadroom, loadLocalRaw, statementHeadroom } from '../connect/rawQuery'
import type { RawRowHandler, RawRowStream } from '../connect/rawQuery'
import type { SqlSession } from '../connect/session'
import { copiedColumns } from '../dump/columnSelection'
import { quoteIdentifier, quoteTable } from '../dump/identifierQuoting'
import type { ColumnInfo, TableRef } from '../dump/types'
import type { Throttler } from '../throttle/throttler'
import { defaultBatchLimits, rowTooLargeError } from './batchSizer'
import { BufferPool, ByteSink, compileLoadDataEncoder, compileSqlTupleWriter, firstCellText } from './rowEncoders'
import type { RowEncoder } from './rowEncoders'
import { buildLoadDataStatement } from './valueEncoding'

export interface WriteResult {
  rows: number
  bytes: number
}

export interface WriteOptions {
  table: TableRef
  columns: ColumnInfo[]
  /** Starts reading the chunk's rows (the reader's raw row packets) into `onRow`. */
  read(onRow: RawRowHandler): RawRowStream
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

/** Encoded rows, whole rows only: `rows` rows (separated by `separator` when the format has one) in `data`. */
interface Piece {
  data: Buffer
  rows: number
}

interface PieceOptions {
  encode: RowEncoder
  /** A piece is handed on once it holds this many bytes (or `maxRows` rows). */
  pieceBytes: number
  maxRows: number
  /** A row that would take its piece past this starts the next piece instead (a row alone may exceed it). */
  maxPieceBytes?: number
  /** A row encoded larger than this stops the read with the error `tooLarge` returns. */
  maxRowBytes?: number
  tooLarge?(firstCell: string | null, bytes: number): Error
  /** Written at the start of every piece (a statement's head). */
  lead?: Buffer
  /** Written between two rows of a piece (the comma between SQL tuples); none for LOAD DATA lines. */
  separator?: number
  /** Where pieces' buffers come from; the consumer hands them back (`BufferPool.release`). */
  pool?: BufferPool
  signal: AbortSignal
}

/** How many encoded pieces may wait for the writer before the reader's socket is paused (memory bound). */
const maxQueuedPieces = 4

/**
 * The chunk's rows transcoded, as they arrive, into pieces of the target's format. Encoding runs in the
 * socket's data handler (no JS value per row, no await per row); the socket pauses while pieces wait.
 */
async function* encodedPieces(read: WriteOptions['read'], options: PieceOptions): AsyncGenerator<Piece> {
  const { encode, pieceBytes, maxRows, separator, lead } = options
  const { maxPieceBytes = Number.MAX_SAFE_INTEGER, maxRowBytes = Number.MAX_SAFE_INTEGER } = options
  const sink = new ByteSink(options.pool?.size ?? pieceBytes + 64 * 1024, options.pool ?? null)
  const queue: Piece[] = []
  let rows = 0
  let failure: Error | null = null
  let finished = false
  let wake: (() => void) | null = null
  const signalWaiter = () => {
    const w = wake
    wake = null
    w?.()
  }
  const flush = () => {
    queue.push({ data: sink.take(), rows })
    rows = 0
    if (lead) sink.bytes(lead)
    if (queue.length >= maxQueuedPieces) stream.pause()
    signalWaiter()
  }
  const stop = (error: unknown) => {
    failure = error instanceof Error ? error : new Error(String(error))
    stream.cancel()
    signalWaiter()
  }
  if (lead) sink.bytes(lead)
  const stream = read((packet, start, end) => {
    if (failure) return
    try {
      const before = sink.length
      if (rows > 0 && separator !== undefined) sink.byte(separator)
      encode(packet, start, end, sink)
      if (sink.length > maxPieceBytes && rows > 0) {
        // The row opens the next piece (rare: once per piece at most, so the copy does not matter).
        const row = sink.copyFrom(before + (separator === undefined ? 0 : 1))
        sink.truncate(before)
        flush()
        sink.bytes(row)
      }
      // A row alone may exceed maxPieceBytes (it goes in a piece of its own) but never maxRowBytes.
      const rowBytes = rows === 0 ? sink.length - (lead?.length ?? 0) : sink.length - before
      if (rowBytes > maxRowBytes) throw options.tooLarge!(firstCellText(packet, start, end), rowBytes)
    } catch (error) {
      stop(error)
      return
    }
    rows += 1
    if (sink.length >= pieceBytes || rows >= maxRows) flush()
  })
  stream.done.then(
    () => {
      if (rows > 0 && !failure) flush()
      finished = true
      signalWaiter()
    },
    (error: Error) => {
      failure ??= error
      finished = true
      signalWaiter()
    },
  )
  const onAbort = () => {
    stream.cancel()
    signalWaiter()
  }
  options.signal.addEventListener('abort', onAbort, { once: true })
  try {
    for (;;) {
      if (failure) throw failure
      if (options.signal.aborted) throw abortError(options.signal)
      const piece = queue.shift()
      if (piece) {
        if (queue.length < maxQueuedPieces) stream.resume()
        yield piece
        continue
      }
      if (finished) return
      await new Promise<void>((resolve) => (wake = resolve))
    }
  } finally {
    options.signal.removeEventListener('abort', onAbort)
    if (!finished) {
      // Stopped early (error, abort, consumer gone): drop the rest of the result so the session stays usable.
      stream.cancel()
      await stream.done.catch(() => undefined)
    }
  }
}

/**
 * Logical mode: each piece is a whole `REPLACE INTO … VALUES (…),(…)` statement, encoded in place after
 * `statementHeadroom` free bytes and sent without a copy; its buffer is reused once the target answered.
 */
export async function writeChunkLogical(
  session: SqlSession,
  options: WriteOptions & { maxAllowedPacket: number },
): Promise<WriteResult> {
  const { table, signal } = options
  const columns = copiedColumns(options.columns)
  const head = Buffer.from(
    `REPLACE INTO ${quoteTable(table)} (${columns.map((c) => quoteIdentifier(c.name)).join(', ')}) VALUES `,
    'utf8',
  )
  const lead = Buffer.concat([Buffer.alloc(statementHeadroom), head])
  // A statement never exceeds max_allowed_packet; keep 1 KiB for the protocol's own header.
  const maxStatement = Math.min(defaultBatchLimits.maxStatementBytes, options.maxAllowedPacket - 1024)
  const pool = new BufferPool(statementHeadroom + maxStatement + 64 * 1024)
  const pieces = encodedPieces(options.read, {
    encode: compileSqlTupleWriter(options.columns),
    lead,
    separator: 0x2c,
    pieceBytes: statementHeadroom + maxStatement,
    maxPieceBytes: statementHeadroom + maxStatement,
    maxRows: defaultBatchLimits.maxRowsPerStatement,
    // The protocol keeps 1 KiB of max_allowed_packet; the rest may hold the head and one row.
    maxRowBytes: options.maxAllowedPacket - 1024 - head.length,
    tooLarge: (firstCell, bytes) =>
      rowTooLargeError(
        table,
        firstCell === null ? null : `${columns[0]?.name ?? '?'}=${firstCell}`,
        head.length + bytes,
        options.maxAllowedPacket,
      ),
    pool,
    signal,
  })
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

  try {
    for await (const piece of pieces) {
      const bytes = piece.data.length - statementHeadroom
      // One statement at a time on this session; waiting here is what bounds memory.
      await inFlight
      if (inTransaction && transactionBytes + bytes > defaultBatchLimits.maxTransactionBytes) await commit()
      if (!inTransaction) {
        await session.query('START TRANSACTION')
        inTransaction = true
      }
      transactionBytes += bytes
      uncommittedRows += piece.rows
      uncommittedBytes += bytes
      total.rows += piece.rows
      total.bytes += bytes
      inFlight = executeRaw(session, piece.data, true).then(() => pool.release(piece.data))
      // Attach a handler now; the error is rethrown by the next `await inFlight`.
      inFlight.catch(() => undefined)
      await options.throttler.take(bytes, signal)
      options.onWritten?.(piece.rows, bytes)
    }
    await commit()
    return total
  } catch (error) {
    await inFlight.catch(() => undefined)
    if (inTransaction) await session.query('ROLLBACK').catch(() => undefined)
    throw error
  } finally {
    await pieces.return(undefined)
  }
}

/** LOAD DATA pieces: ~256 KiB (fewer, larger writes are faster), each sent as one packet without a copy. */
const loadDataPieceBytes = 256 * 1024

/** The chunk's rows in the LOAD DATA format, in pieces that start with `infileHeadroom` free bytes. */
async function* loadDataPieces(options: WriteOptions, pool: BufferPool, counters: WriteResult): AsyncGenerator<Buffer> {
  const pieces = encodedPieces(options.read, {
    encode: compileLoadDataEncoder(options.columns),
    lead: Buffer.alloc(infileHeadroom),
    pieceBytes: infileHeadroom + loadDataPieceBytes,
    maxRows: Number.MAX_SAFE_INTEGER,
    pool,
    signal: options.signal,
  })
  try {
    for await (const piece of pieces) {
      const bytes = piece.data.length - infileHeadroom
      counters.rows += piece.rows
      counters.bytes += bytes
      await options.throttler.take(bytes, options.signal)
      options.onWritten?.(piece.rows, bytes)
      yield piece.data
    }
  } finally {
    await pieces.return(undefined)
  }
}

export async function writeChunkPhysical(session: SqlSession, options: WriteOptions): Promise<WriteResult> {
  const counters: WriteResult = { rows: 0, bytes: 0 }
  // REPLACE makes a redone chunk (after a crash mid-load) idempotent for keyed tables.
  const sql = buildLoadDataStatement(options.table, options.columns, { duplicates: 'replace' })
  // A piece's buffer is written again once the socket has taken it: no garbage per piece.
  const pool = new BufferPool(infileHeadroom + loadDataPieceBytes + 64 * 1024)
  await loadLocalRaw(session, sql, loadDataPieces(options, pool, counters), (piece) => pool.release(piece))
  if (options.signal.aborted) throw abortError(options.signal)
  // LOAD DATA under autocommit is its own transaction: committed when the statement returns.
  options.onCommitted(counters.rows, counters.bytes)
  return counters
}
