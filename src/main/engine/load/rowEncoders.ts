/**
 * The hot path of the existing-data copy: per-table encoders, compiled once from the column list, that turn
 * the reader's raw rows (each cell the server's own bytes, or null) into the LOAD DATA stream or SQL tuples.
 * They must produce exactly what the reference encoders in valueEncoding.ts produce (rowEncoders.test.ts
 * checks that), only without per-cell type lookups, string round trips and per-row allocations.
 */
import type { RawRow } from '../dump/chunkReader'
import { copiedColumns } from '../dump/columnSelection'
import type { ColumnInfo } from '../dump/types'
import { kindOf } from './valueEncoding'
import type { ValueKind } from './valueEncoding'

/** A growing output buffer handed out in large pieces (LOAD DATA LOCAL wants Buffers, fewer is faster). */
export class ByteSink {
  private buffer: Buffer
  private position = 0

  constructor(private readonly pieceBytes = 256 * 1024) {
    this.buffer = Buffer.allocUnsafe(pieceBytes)
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
    this.position += src.copy(this.buffer, this.position, start, end)
  }

  ascii(text: string): void {
    this.ensure(text.length)
    this.position += this.buffer.write(text, this.position, 'latin1')
  }

  /** Drops everything after `length` bytes. */
  truncate(length: number): void {
    this.position = Math.min(this.position, length)
  }

  /** A copy of the bytes from `start` to the end. */
  copyFrom(start: number): Buffer {
    return Buffer.from(this.buffer.subarray(start, this.position))
  }

  /** Writes `src` as hexadecimal digits (SQL hex literals), without an intermediate string. */
  hex(src: Buffer): void {
    this.ensure(src.length * 2)
    const out = this.buffer
    let p = this.position
    for (let i = 0; i < src.length; i++) {
      const b = src[i]!
      out[p++] = hexDigits[b >> 4]!
      out[p++] = hexDigits[b & 15]!
    }
    this.position = p
  }

  /** The bytes written so far, as a Buffer of their own; the sink starts over. */
  take(): Buffer {
    const out = this.buffer.subarray(0, this.position)
    this.buffer = Buffer.allocUnsafe(this.pieceBytes)
    this.position = 0
    return out
  }
}

const hexDigits = Buffer.from('0123456789abcdef', 'latin1')

/** LOAD DATA's escapes (FIELDS ESCAPED BY '\\'): the byte after the backslash, or 0 for "copy as is". */
const loadDataEscape = new Uint8Array(256)
loadDataEscape[0x5c] = 0x5c // \
loadDataEscape[0x09] = 0x74 // tab → \t
loadDataEscape[0x0a] = 0x6e // LF → \n
loadDataEscape[0x0d] = 0x72 // CR → \r
loadDataEscape[0x00] = 0x30 // NUL → \0
loadDataEscape[0x1a] = 0x5a // ^Z → \Z

function writeEscaped(sink: ByteSink, src: Buffer): void {
  let start = 0
  for (let i = 0; i < src.length; i++) {
    const escaped = loadDataEscape[src[i]!]!
    if (escaped === 0) continue
    if (i > start) sink.bytes(src, start, i)
    sink.byte(0x5c)
    sink.byte(escaped)
    start = i + 1
  }
  if (start < src.length) sink.bytes(src, start)
}

/** BIT arrives as big-endian bytes; both write paths want its unsigned value. */
function bitDecimal(bytes: Buffer): string {
  if (bytes.length === 0) return '0'
  if (bytes.length <= 6) return String(bytes.readUIntBE(0, bytes.length))
  return BigInt(`0x${bytes.toString('hex')}`).toString(10)
}

const nullField = Buffer.from('\\N', 'latin1')

type CellWriter = (sink: ByteSink, cell: Buffer) => void

function loadDataWriter(kind: ValueKind): CellWriter {
  switch (kind) {
    case 'integer':
    case 'decimal':
    case 'float':
    case 'temporal':
      // The server's text for numbers, dates and times is plain ASCII without tabs, newlines or backslashes.
      return (sink, cell) => sink.bytes(cell)
    case 'bit':
      return (sink, cell) => sink.ascii(bitDecimal(cell))
    default:
      return writeEscaped
  }
}

/** Writes rows in `buildLoadDataStatement`'s format: fields in `copiedColumns` order, tab-separated, LF-ended. */
export function compileLoadDataEncoder(columns: readonly ColumnInfo[]): (row: RawRow, sink: ByteSink) => void {
  const writers = copiedColumns(columns).map((c) => loadDataWriter(kindOf(c)))
  const count = writers.length
  return (row, sink) => {
    if (row.length !== count) throw new Error(`a row has ${row.length} values for ${count} columns`)
    for (let i = 0; i < count; i++) {
      if (i > 0) sink.byte(0x09)
      const cell = row[i]!
      if (cell === null) sink.bytes(nullField)
      else writers[i]!(sink, cell)
    }
    sink.byte(0x0a)
  }
}

type LiteralBytesWriter = (sink: ByteSink, cell: Buffer) => void

const ascii = (text: string) => Buffer.from(text, 'latin1')
const sqlNull = ascii('NULL')
const hexOpen = ascii("X'")
const quote = ascii("'")
const jsonOpen = ascii("CONVERT(X'")
const jsonClose = ascii("' USING utf8mb4)")
const exponentZero = ascii('e0')

function literalBytesWriter(kind: ValueKind): LiteralBytesWriter {
  switch (kind) {
    case 'integer':
    case 'decimal':
      return (sink, cell) => sink.bytes(cell)
    case 'float':
      return (sink, cell) => {
        sink.bytes(cell)
        if (!cell.includes(0x65) && !cell.includes(0x45)) sink.bytes(exponentZero)
      }
    case 'bit':
      return (sink, cell) => sink.ascii(`b'${(cell.length === 0 ? 0n : BigInt(`0x${cell.toString('hex')}`)).toString(2)}'`)
    case 'temporal':
      return (sink, cell) => {
        sink.bytes(quote)
        sink.bytes(cell)
        sink.bytes(quote)
      }
    case 'json':
      return (sink, cell) => {
        sink.bytes(jsonOpen)
        sink.hex(cell)
        sink.bytes(jsonClose)
      }
    default:
      return (sink, cell) => {
        sink.bytes(hexOpen)
        sink.hex(cell)
        sink.bytes(quote)
      }
  }
}

/** One `(v1,v2,…)` tuple of a multi-row INSERT/REPLACE, in `copiedColumns` order, as ASCII bytes. */
export function compileSqlTupleWriter(columns: readonly ColumnInfo[]): (row: RawRow, sink: ByteSink) => void {
  const writers = copiedColumns(columns).map((c) => literalBytesWriter(kindOf(c)))
  const count = writers.length
  return (row, sink) => {
    if (row.length !== count) throw new Error(`a row has ${row.length} values for ${count} columns`)
    sink.byte(0x28)
    for (let i = 0; i < count; i++) {
      if (i > 0) sink.byte(0x2c)
      const cell = row[i]!
      if (cell === null) sink.bytes(sqlNull)
      else writers[i]!(sink, cell)
    }
    sink.byte(0x29)
  }
}
