/**
 * Writes one chunk's rows to the target. Logical mode: prepared multi-row REPLACE statements sized by bytes
 * (duplicate keys are replaced, as the seed specifies), one executing while the next batch is read.
 * Physical mode: one LOAD DATA LOCAL INFILE streaming the rows as Buffers (format: valueEncoding's
 * loadDataQuote), in a transaction of its own; a table holding values the target's LOAD DATA would change goes
 * through the logical writer instead (loadRouting.ts). Both return only once the target has committed every row,
 * so the caller may then checkpoint the chunk, and both stop at the first statement the target answers with a
 * warning (targetWarnings.ts), since a warning there can mean a stored value differs from the source's.
 */
import { infileHeadroom, loadLocalRaw } from '../connect/rawQuery'
import type { RawRowHandler, RawRowStream } from '../connect/rawQuery'
import type { SqlSession } from '../connect/session'
import { copiedColumns } from '../dump/columnSelection'
import type { ColumnInfo } from '../vocabulary/columnCatalog'
import type { TableRef } from '../vocabulary/tableRef'
import type { Throttler } from '../throttle/throttler'
import { defaultBatchLimits, rowTooLargeError } from './batchSizer'
import { createLoadRouting, LoadDataAltersValue, tidbLoadDataCheck } from './loadRouting'
import type { LoadRouting } from './loadRouting'
import { BatchBuilder, PreparedWrite } from './preparedBatches'
import { BufferPool, ByteSink, compileLoadDataEncoder, firstCellText } from './rowEncoders'
import type { CellCheck, RowEncoder } from './rowEncoders'
import { duplicateKeyError, targetWarningsError, TargetWarningsError, warningsFailure } from './targetWarnings'
import { buildLoadDataStatement } from './valueEncoding'
import { writerTarget } from './writerSession'

export interface WriteResult {
  rows: number
  bytes: number
}

export interface WriteOptions {
  table: TableRef
  /** The chunk's index, to name it in an error. */
  chunk?: number
  columns: ColumnInfo[]
  /** Starts reading the chunk's rows (the reader's raw row packets) into `onRow`. */
  read(onRow: RawRowHandler): RawRowStream
  throttler: Throttler
  signal: AbortSignal
  /** Rows and bytes just committed, for progress. */
  onCommitted(rows: number, bytes: number): void
  /** Rows and bytes just sent to the target (not yet committed), for live progress and the export rate. */
  onWritten?(rows: number, bytes: number): void
  /**
   * 'replace' (the default): a row whose key the target already holds replaces it, so a redone chunk is
   * idempotent. 'error': plain INSERT / LOAD DATA into a chunk the target has no rows of, where a duplicate key
   * stops the chunk (the target's unique keys hold two source rows as equal) instead of dropping a row.
   */
  duplicates?: 'replace' | 'error'
}

/** A write's failure as the stage reports it: warnings and duplicate keys get their own coded errors. */
function writeError(table: TableRef, chunk: number | undefined, error: unknown): unknown {
  if (error instanceof TargetWarningsError) return targetWarningsError(table, chunk, error)
  const e = error as { errno?: number; sqlMessage?: string }
  if (e.errno === 1062) return duplicateKeyError(table, chunk, e.sqlMessage ?? String(error))
  // TiDB's write conflict: the message names the key, not the row values.
  if (e.errno === 9007) return duplicateKeyError(table, chunk, 'TiDB write conflict (9007)', 'conflict')
  return error
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted')
}

/** Turns rows into pieces as they arrive: the reader's data handler calls it for every row, synchronously. */
interface PieceBuilder<P> {
  /** Rows in the open piece. */
  readonly rows: number
  /** Whether the row may join the open piece; when not, the piece is handed on first. */
  fits(packet: Buffer, start: number, end: number): boolean
  /** Adds the row; returns the bytes it took (a row over `maxRowBytes` stops the read). */
  add(packet: Buffer, start: number, end: number): number
  /** The open piece is to be handed on now. */
  full(): boolean
  /** The open piece, handed on; the builder starts the next. */
  take(): P
}

interface PieceOptions {
  /** A row encoded larger than this stops the read with the error `tooLarge` returns. */
  maxRowBytes?: number
  tooLarge?(firstCell: string | null, bytes: number): Error
  signal: AbortSignal
}

/** How many encoded pieces may wait for the writer before the reader's socket is paused (memory bound). */
const maxQueuedPieces = 4

/**
 * The chunk's rows transcoded, as they arrive, into pieces of the target's format. Encoding runs in the
 * socket's data handler (no JS value per row, no await per row); the socket pauses while pieces wait.
 */
async function* encodedPieces<P>(
  read: WriteOptions['read'],
  builder: PieceBuilder<P>,
  options: PieceOptions,
): AsyncGenerator<P> {
  const { maxRowBytes = Number.MAX_SAFE_INTEGER } = options
  const queue: P[] = []
  let failure: Error | null = null
  let finished = false
  let wake: (() => void) | null = null
  const signalWaiter = () => {
    const w = wake
    wake = null
    w?.()
  }
  const flush = () => {
    queue.push(builder.take())
    if (queue.length >= maxQueuedPieces) stream.pause()
    signalWaiter()
  }
  const stop = (error: unknown) => {
    failure = error instanceof Error ? error : new Error(String(error))
    stream.cancel()
    signalWaiter()
  }
  const stream = read((packet, start, end) => {
    if (failure) return
    try {
      if (builder.rows > 0 && !builder.fits(packet, start, end)) flush()
      const bytes = builder.add(packet, start, end)
      if (bytes > maxRowBytes) throw options.tooLarge!(firstCellText(packet, start, end), bytes)
    } catch (error) {
      stop(error)
      return
    }
    if (builder.full()) flush()
  })
  stream.done.then(
    () => {
      if (builder.rows > 0 && !failure) flush()
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
 * The transactions of both writers. On TiDB an optimistic one: chunks never write each other's keys, so commits
 * cannot conflict, and it spares the row locks of a pessimistic transaction (TiDB's default): a 16 MiB LOAD DATA
 * took 2.7 s under autocommit, 2.8 s optimistic, 3.4 s pessimistic (medians of 5). On MariaDB a transaction
 * costs nothing (1.08 s either way).
 */
const beginStatement = (flavor: string) => (flavor === 'tidb' ? 'BEGIN OPTIMISTIC' : 'START TRANSACTION')

/**
 * Logical mode: each piece is a batch of rows for one prepared multi-row REPLACE (preparedBatches.ts), its
 * command built in place before the values and sent without a copy; its buffer is reused once the target answered.
 */
export async function writeChunkLogical(
  session: SqlSession,
  options: WriteOptions & { maxAllowedPacket: number },
): Promise<WriteResult> {
  const { table, signal } = options
  const columns = copiedColumns(options.columns)
  const statements = new PreparedWrite(session, table, columns, defaultBatchLimits.maxRowsPerStatement, {
    duplicates: options.duplicates ?? 'replace',
  })
  const { flavor } = await writerTarget(session)
  // A statement never exceeds max_allowed_packet; keep 1 KiB for the protocol's own header.
  const maxStatement = Math.min(defaultBatchLimits.maxStatementBytes, options.maxAllowedPacket - 1024)
  const builder = new BatchBuilder(columns.length, statements.maxRows, maxStatement)
  // A row alone goes in a statement of one row: its head (with the parameter types) and 1 KiB for the protocol.
  const maxRowBytes = options.maxAllowedPacket - 1024 - 64 - 2 * columns.length
  const pieces = encodedPieces(options.read, builder, {
    maxRowBytes,
    tooLarge: (firstCell, bytes) =>
      rowTooLargeError(
        table,
        firstCell === null ? null : `${columns[0]?.name ?? '?'}=${firstCell}`,
        bytes + 64 + 2 * columns.length,
        options.maxAllowedPacket,
      ),
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
    for await (const batch of pieces) {
      const bytes = batch.data.length - batch.valuesAt
      // One batch at a time on this session; waiting here is what bounds memory.
      await inFlight
      if (inTransaction && transactionBytes + bytes > defaultBatchLimits.maxTransactionBytes) await commit()
      if (!inTransaction) {
        await session.query(beginStatement(flavor))
        inTransaction = true
      }
      transactionBytes += bytes
      uncommittedRows += batch.rows
      uncommittedBytes += bytes
      total.rows += batch.rows
      total.bytes += bytes
      inFlight = statements.send(batch).then(() => builder.release(batch))
      // Attach a handler now; the error is rethrown by the next `await inFlight`.
      inFlight.catch(() => undefined)
      await options.throttler.take(bytes, signal)
      options.onWritten?.(batch.rows, bytes)
    }
    await commit()
    return total
  } catch (error) {
    await inFlight.catch(() => undefined)
    if (inTransaction) await session.query('ROLLBACK').catch(() => undefined)
    throw writeError(table, options.chunk, error)
  } finally {
    await pieces.return(undefined)
  }
}

/** Encoded rows, whole rows only: `rows` LOAD DATA lines in `data`, after `lead`. */
interface Piece {
  data: Buffer
  rows: number
}

/** LOAD DATA lines in pieces of about `pieceBytes`, each starting with `lead`. */
class LoadDataBuilder implements PieceBuilder<Piece> {
  rows = 0
  private readonly sink: ByteSink

  constructor(
    private readonly encode: RowEncoder,
    private readonly lead: Buffer,
    private readonly pieceBytes: number,
    pool: BufferPool,
  ) {
    this.sink = new ByteSink(pool.size, pool)
    this.sink.bytes(lead)
  }

  fits(): boolean {
    return true
  }

  add(packet: Buffer, start: number, end: number): number {
    const before = this.sink.length
    this.encode(packet, start, end, this.sink)
    this.rows += 1
    return this.sink.length - before
  }

  full(): boolean {
    return this.sink.length >= this.pieceBytes
  }

  take(): Piece {
    const piece = { data: this.sink.take(), rows: this.rows }
    this.rows = 0
    this.sink.bytes(this.lead)
    return piece
  }
}

/** LOAD DATA pieces: ~256 KiB (fewer, larger writes are faster), each sent as one packet without a copy. */
const loadDataPieceBytes = 256 * 1024

/** The chunk's rows in the LOAD DATA format, in pieces that start with `infileHeadroom` free bytes. */
async function* loadDataPieces(
  options: WriteOptions,
  pool: BufferPool,
  counters: WriteResult,
  checkFor: ((column: ColumnInfo) => CellCheck | null) | undefined,
): AsyncGenerator<Buffer> {
  const builder = new LoadDataBuilder(
    compileLoadDataEncoder(options.columns, checkFor),
    Buffer.alloc(infileHeadroom),
    infileHeadroom + loadDataPieceBytes,
    pool,
  )
  const pieces = encodedPieces(options.read, builder, { signal: options.signal })
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

export interface PhysicalWriteOptions extends WriteOptions {
  /** For the chunks of tables routed to the logical writer. */
  maxAllowedPacket: number
  /** The job's routing, shared by its writers; without it, each call decides for its chunk alone. */
  routing?: LoadRouting
}

export async function writeChunkPhysical(session: SqlSession, options: PhysicalWriteOptions): Promise<WriteResult> {
  const routing = options.routing ?? createLoadRouting()
  if (routing.isLogical(options.table)) return writeChunkLogical(session, options)
  const { flavor } = await writerTarget(session)
  try {
    return await loadChunk(session, options, flavor === 'tidb')
  } catch (error) {
    if (!(error instanceof LoadDataAltersValue)) throw error
    // Stopped before the value was sent, and rolled back: the chunk goes again, as prepared REPLACE.
    routing.routeLogical(options.table, error)
    return writeChunkLogical(session, options)
  }
}

async function loadChunk(session: SqlSession, options: WriteOptions, tidb: boolean): Promise<WriteResult> {
  const counters: WriteResult = { rows: 0, bytes: 0 }
  // REPLACE makes a redone chunk (after a crash mid-load) idempotent for keyed tables.
  const sql = buildLoadDataStatement(options.table, options.columns, { duplicates: options.duplicates ?? 'replace' })
  // A piece's buffer is written again once the socket has taken it: no garbage per piece.
  const pool = new BufferPool(infileHeadroom + loadDataPieceBytes + 64 * 1024)
  // A transaction, so that a load that raised warnings (or was cut short) leaves nothing behind.
  await session.query(beginStatement(tidb ? 'tidb' : 'mysql'))
  try {
    const pieces = loadDataPieces(options, pool, counters, tidb ? tidbLoadDataCheck : undefined)
    const answer = await loadLocalRaw(session, sql, pieces, (piece) => pool.release(piece))
    const failure = answer.warnings > 0 ? await warningsFailure(session, 'LOAD DATA', answer.warnings) : null
    if (failure) throw failure
    if (options.signal.aborted) throw abortError(options.signal)
    await session.query('COMMIT')
  } catch (error) {
    await session.query('ROLLBACK').catch(() => undefined)
    throw writeError(options.table, options.chunk, error)
  }
  options.onCommitted(counters.rows, counters.bytes)
  return counters
}
