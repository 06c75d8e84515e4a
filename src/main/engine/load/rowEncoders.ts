/**
 * The hot path of physical mode's copy: per-table encoders, compiled once from the column list, that turn one
 * text-protocol row packet (length-encoded cells, each the server's own bytes, 0xfb for NULL) straight into the
 * LOAD DATA stream (logical mode needs no encoding: see preparedBatches.ts). They must produce exactly what the
 * reference encoders in valueEncoding.ts produce for the same cells (rowEncoders.test.ts checks that), only
 * without a JS value per cell, per-cell type lookups or per-row allocations.
 */
import { copiedColumns } from '../dump/columnSelection'
import type { ColumnInfo } from '../vocabulary/columnCatalog'
import { kindOf, loadDataQuote, loadsBare } from './valueEncoding'
import type { ValueKind } from './valueEncoding'

/** Encodes the row whose cells are `packet[start..end)` into `sink`. */
export type RowEncoder = (packet: Buffer, start: number, end: number, sink: ByteSink) => void

/** A growing output buffer handed out in large pieces (LOAD DATA LOCAL wants Buffers, fewer is faster). */
export class ByteSink {
  private buffer: Buffer
  private position = 0

  /** With `recycled`, taken pieces handed back to it (`BufferPool.release`) are written again: no garbage. */
  constructor(
    private readonly pieceBytes = 256 * 1024,
    private readonly recycled: BufferPool | null = null,
  ) {
    this.buffer = recycled?.get() ?? Buffer.allocUnsafe(pieceBytes)
  }

  get length(): number {
    return this.position
  }

  ensure(bytes: number): void {
    if (this.position + bytes <= this.buffer.length) return
    const next = Buffer.allocUnsafe(Math.max(this.pieceBytes, (this.position + bytes) * 2))
    this.buffer.copy(next, 0, 0, this.position)
    this.buffer = next
  }

  byte(b: number): void {
    this.ensure(1)
    this.buffer[this.position++] = b
  }

  bytes(src: Buffer, start = 0, end = src.length): void {
    this.ensure(end - start)
    if (end - start > 48) {
      this.position += src.copy(this.buffer, this.position, start, end)
      return
    }
    // Most cells are a few bytes: a loop costs less than Buffer#copy's argument checks and native call.
    const out = this.buffer
    let p = this.position
    for (let i = start; i < end; i++) out[p++] = src[i]!
    this.position = p
  }

  /** Writes `src[start..end)` with every `b` byte doubled (LOAD DATA's quote inside an enclosed value). */
  doubling(src: Buffer, start: number, end: number, b: number): void {
    this.ensure((end - start) * 2)
    const out = this.buffer
    let p = this.position
    for (let i = start; i < end; i++) {
      const c = src[i]!
      out[p++] = c
      if (c === b) out[p++] = c
    }
    this.position = p
  }

  /** A non-negative integer below 2^53 in decimal digits, without a string in between. */
  decimal(value: number): void {
    this.ensure(16)
    const out = this.buffer
    let digits = 1
    for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++
    let p = this.position + digits
    this.position = p
    let v = value
    do {
      out[--p] = 0x30 + (v % 10)
      v = Math.floor(v / 10)
    } while (v > 0)
  }

  ascii(text: string): void {
    this.ensure(text.length)
    this.position += this.buffer.write(text, this.position, 'latin1')
  }

  /** The bytes written so far, as a Buffer of their own; the sink starts over. */
  take(): Buffer {
    const out = this.buffer.subarray(0, this.position)
    this.buffer = this.recycled?.get() ?? Buffer.allocUnsafe(this.pieceBytes)
    this.position = 0
    return out
  }
}

/**
 * Large output buffers for reuse. Allocating a fresh megabyte per statement made V8 collect garbage for about
 * a second per 2 M rows copied; a writer hands each statement's buffer back once the target has answered.
 */
export class BufferPool {
  private readonly free: Buffer[] = []

  constructor(
    readonly size: number,
    private readonly keep = 8,
  ) {}

  get(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafe(this.size)
  }

  /** Takes back a piece taken from a sink that got its buffer here (any other Buffer is ignored). */
  release(piece: Buffer): void {
    if (piece.byteOffset !== 0 || piece.buffer.byteLength !== this.size || this.free.length >= this.keep) return
    this.free.push(Buffer.from(piece.buffer, 0, this.size))
  }
}

/**
 * Where the next LOAD DATA quote byte is in the packets being read, found by a native search that covers each
 * stretch of a packet buffer once: a value is then copied as it is, unless the quote falls inside it. Buffers are
 * read in order and never change once received; a different buffer, or going back, starts a new search.
 */
class QuoteFinder {
  private buffer: Buffer | null = null
  private searchedFrom = 0
  private next = 0

  /** The position of the first quote at or after `start` in `src`, or `src.length` when there is none. */
  at(src: Buffer, start: number): number {
    if (src !== this.buffer || start < this.searchedFrom || this.next < start) {
      const found = src.indexOf(loadDataQuote, start)
      this.buffer = src
      this.searchedFrom = start
      this.next = found < 0 ? src.length : found
    }
    return this.next
  }
}

/** BIT arrives as big-endian bytes; both write paths want its unsigned value. */
function bitValue(src: Buffer, start: number, end: number): number | bigint {
  if (end === start) return 0
  return end - start <= 6 ? src.readUIntBE(start, end - start) : BigInt(`0x${src.toString('hex', start, end)}`)
}

const nullField = Buffer.from('NULL', 'latin1')

/** Writes the cell `src[start..end)`. */
type CellWriter = (sink: ByteSink, src: Buffer, start: number, end: number) => void

/** Looks at a non-NULL cell `src[start..end)` before it is written; throws to stop the row (and the read). */
export type CellCheck = (src: Buffer, start: number, end: number) => void

function loadDataWriter(kind: ValueKind, quotes: QuoteFinder): CellWriter {
  if (kind === 'bit') {
    return (sink, src, start, end) => {
      const value = bitValue(src, start, end)
      if (typeof value === 'number') sink.decimal(value)
      else sink.ascii(value.toString(10))
    }
  }
  // The server's text for numbers, dates and times is plain ASCII without tabs, newlines or the quote byte.
  if (loadsBare(kind)) return (sink, src, start, end) => sink.bytes(src, start, end)
  return (sink, src, start, end) => {
    sink.byte(loadDataQuote)
    if (quotes.at(src, start) >= end) sink.bytes(src, start, end)
    else sink.doubling(src, start, end, loadDataQuote)
    sink.byte(loadDataQuote)
  }
}

/**
 * An encoder that writes each cell of a text-protocol row through its column's writer (NULL as `nullField`),
 * tab-separated and ended by a newline, checking the row has exactly `count` cells.
 * Length-encoded lengths: < 0xfb is the length itself, 0xfb is NULL, 0xfc/0xfd/0xfe prefix 2/3/8 bytes.
 */
function compileLine(count: number, writers: CellWriter[]): RowEncoder {
  return (packet, start, end, sink) => {
    let at = start
    for (let i = 0; i < count; i++) {
      if (i > 0) sink.byte(0x09)
      if (at >= end) throw new Error(`a row has ${i} values for ${count} columns`)
      let length = packet[at]!
      if (length === 0xfb) {
        sink.bytes(nullField)
        at += 1
        continue
      }
      if (length < 0xfb) at += 1
      else if (length === 0xfc) {
        length = packet.readUInt16LE(at + 1)
        at += 3
      } else if (length === 0xfd) {
        length = packet.readUIntLE(at + 1, 3)
        at += 4
      } else {
        length = Number(packet.readBigUInt64LE(at + 1))
        at += 9
      }
      writers[i]!(sink, packet, at, at + length)
      at += length
    }
    if (at !== end) throw new Error(`a row has more than ${count} values for ${count} columns`)
    sink.byte(0x0a)
  }
}

/**
 * Writes rows in `buildLoadDataStatement`'s format (see `loadDataQuote`): `copiedColumns` order, tab-separated,
 * LF-ended. `checkFor` may give a column a check that runs on each of its values first (load/loadRouting.ts).
 */
export function compileLoadDataEncoder(
  columns: readonly ColumnInfo[],
  checkFor?: (column: ColumnInfo) => CellCheck | null,
): RowEncoder {
  const quotes = new QuoteFinder()
  const writers = copiedColumns(columns).map((c): CellWriter => {
    const write = loadDataWriter(kindOf(c), quotes)
    const check = checkFor?.(c)
    if (!check) return write
    return (sink, src, start, end) => {
      check(src, start, end)
      write(sink, src, start, end)
    }
  })
  return compileLine(writers.length, writers)
}

/** The first cell of a row packet as text (to name a row in an error), or null when it is NULL. */
export function firstCellText(packet: Buffer, start: number, end: number, maxChars = 40): string | null {
  const length = packet[start]
  if (length === undefined || length === 0xfb || start >= end) return null
  const at = length < 0xfb ? start + 1 : start + (length === 0xfc ? 3 : length === 0xfd ? 4 : 9)
  const size =
    length < 0xfb
      ? length
      : length === 0xfc
        ? packet.readUInt16LE(start + 1)
        : length === 0xfd
          ? packet.readUIntLE(start + 1, 3)
          : Number(packet.readBigUInt64LE(start + 1))
  return packet.toString('utf8', at, Math.min(at + size, at + maxChars, end))
}
