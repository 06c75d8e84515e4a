/**
 * Our own decoder for the row images of WRITE / UPDATE / DELETE_ROWS events, straight from the packet into the
 * values the applier writes (the representation rowDecoding.ts steers zongji to: text and binary as their stored
 * bytes, ENUM as its index, SET as its bit mask, temporal values as their exact text).
 *
 * Why: zongji builds an object per row keyed by column name, goes through a generic parser per value and formats
 * through several helpers; on a 2-core machine that alone took half of the applier's CPU. This decoder is
 * compiled once per TableMap into one reader per column.
 *
 * It only takes tables whose every column has a binlog type it reads exactly (the common ones, including every
 * type of the type zoo); a table with anything else — MySQL's binary JSON, MariaDB's classic hi-res temporal
 * types, UUID / INET, compressed columns — stays on zongji's path. A rows event it does not fully understand
 * (not every column present, a column count that differs) is left to zongji's path as well, which reports it.
 */
import type { ColumnInfo } from '../vocabulary/columnCatalog'
import type { CellValue } from '../load/valueEncoding'
import type { ChangeKind } from './binlogReader'

/** A TableMap column as zongji parsed it: the binlog type (ENUM/SET resolved) and its metadata. */
export interface BinlogColumn {
  type: number
  metadata: Record<string, unknown> | undefined
}

type ColumnReader = (buf: Buffer, at: number, out: CellValue[], index: number) => number

export interface RowImageDecoder {
  readonly columnCount: number
  /** Decodes one row image at `at` into `out`; returns the offset after it. */
  read(buf: Buffer, at: number, out: CellValue[]): number
}

const rowsEvents: Record<number, { kind: ChangeKind; v2: boolean }> = {
  23: { kind: 'insert', v2: false },
  24: { kind: 'update', v2: false },
  25: { kind: 'delete', v2: false },
  30: { kind: 'insert', v2: true },
  31: { kind: 'update', v2: true },
  32: { kind: 'delete', v2: true },
}

export function isRowsEventCode(code: number): boolean {
  return rowsEvents[code] !== undefined
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n))
const zeros = '000000000'
const pad = (n: number, width: number) => {
  const text = String(n)
  return text.length >= width ? text : zeros.slice(0, width - text.length) + text
}
const dateText = (y: number, m: number, d: number) => `${pad(y, 4)}-${pad2(m)}-${pad2(d)}`

/** The fractional seconds of DATETIME2 / TIMESTAMP2 (`dec` digits, stored big-endian in ceil(dec/2) bytes). */
function fractionBytes(dec: number): number {
  return (dec + 1) >> 1
}
function fractionText(buf: Buffer, at: number, dec: number): string {
  if (dec === 0) return ''
  let value = buf.readUIntBE(at, fractionBytes(dec))
  if (dec % 2 === 1) value = Math.floor(value / 10)
  return `.${pad(value, dec)}`
}

const digitBytes = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4]

/** DECIMAL's binary format: groups of 9 digits in 4 bytes, partial groups in fewer, sign in the top bit. */
function decimalReader(precision: number, scale: number): ColumnReader {
  const intDigits = precision - scale
  const intFull = Math.floor(intDigits / 9)
  const intPartial = intDigits % 9
  const fracFull = Math.floor(scale / 9)
  const fracPartial = scale % 9
  const size = intFull * 4 + digitBytes[intPartial]! + fracFull * 4 + digitBytes[fracPartial]!
  const scratch = Buffer.alloc(size)
  return (buf, at, out, index) => {
    buf.copy(scratch, 0, at, at + size)
    const positive = (scratch[0]! & 0x80) !== 0
    scratch[0]! ^= 0x80
    if (!positive) for (let i = 0; i < size; i++) scratch[i] = ~scratch[i]! & 0xff
    let p = 0
    let whole = ''
    if (intPartial > 0) {
      const n = digitBytes[intPartial]!
      whole = String(scratch.readUIntBE(p, n))
      p += n
    }
    for (let g = 0; g < intFull; g++, p += 4) whole += pad(scratch.readUInt32BE(p), 9)
    let k = 0
    while (k < whole.length - 1 && whole.charCodeAt(k) === 48) k++
    whole = whole.slice(k) || '0'
    let text = positive ? whole : `-${whole}`
    if (scale > 0) {
      let fraction = ''
      for (let g = 0; g < fracFull; g++, p += 4) fraction += pad(scratch.readUInt32BE(p), 9)
      if (fracPartial > 0) fraction += pad(scratch.readUIntBE(p, digitBytes[fracPartial]!), fracPartial)
      text += `.${fraction}`
    }
    out[index] = text
    return at + size
  }
}

const twoTo32 = 2 ** 32

function integerReader(type: number, unsigned: boolean): ColumnReader | null {
  switch (type) {
    case 1:
      return unsigned
        ? (buf, at, out, i) => ((out[i] = buf[at]!), at + 1)
        : (buf, at, out, i) => ((out[i] = buf.readInt8(at)), at + 1)
    case 2:
      return unsigned
        ? (buf, at, out, i) => ((out[i] = buf.readUInt16LE(at)), at + 2)
        : (buf, at, out, i) => ((out[i] = buf.readInt16LE(at)), at + 2)
    case 9:
      return unsigned
        ? (buf, at, out, i) => ((out[i] = buf.readUIntLE(at, 3)), at + 3)
        : (buf, at, out, i) => ((out[i] = buf.readIntLE(at, 3)), at + 3)
    case 3:
      return unsigned
        ? (buf, at, out, i) => ((out[i] = buf.readUInt32LE(at)), at + 4)
        : (buf, at, out, i) => ((out[i] = buf.readInt32LE(at)), at + 4)
    case 8:
      return (buf, at, out, i) => {
        const low = buf.readUInt32LE(at)
        const high = unsigned ? buf.readUInt32LE(at + 4) : buf.readInt32LE(at + 4)
        // Exact beyond 2^53: the text of the 64-bit value.
        if (high >= -0x200000 && high < 0x200000) out[i] = high * twoTo32 + low
        else out[i] = (unsigned ? buf.readBigUInt64LE(at) : buf.readBigInt64LE(at)).toString()
        return at + 8
      }
    default:
      return null
  }
}

function lengthPrefixed(width: number): ColumnReader {
  return (buf, at, out, i) => {
    const length = buf.readUIntLE(at, width)
    const start = at + width
    out[i] = buf.subarray(start, start + length)
    return start + length
  }
}

function columnReader(column: ColumnInfo, binlog: BinlogColumn): ColumnReader | null {
  const meta = (binlog.metadata ?? {}) as Record<string, number>
  const dataType = column.dataType
  switch (binlog.type) {
    case 1:
    case 2:
    case 9:
    case 3:
    case 8:
      return integerReader(binlog.type, /unsigned/i.test(column.columnType))
    case 4:
      return (buf, at, out, i) => ((out[i] = buf.readFloatLE(at)), at + 4)
    case 5:
      return (buf, at, out, i) => ((out[i] = buf.readDoubleLE(at)), at + 8)
    case 246:
      if (typeof meta['precision'] !== 'number' || typeof meta['decimals'] !== 'number') return null
      return decimalReader(meta['precision'], meta['decimals'])
    case 15:
    case 254: {
      if (dataType === 'uuid' || dataType === 'inet4' || dataType === 'inet6' || dataType === 'vector') return null
      const width = (meta['max_length'] ?? 0) > 255 ? 2 : 1
      if (dataType === 'binary') {
        // The row image drops BINARY(n)'s trailing zero bytes; the value is n bytes.
        const size = Number(/\((\d+)\)/.exec(column.columnType)?.[1] ?? NaN)
        if (!Number.isInteger(size)) return null
        return (buf, at, out, i) => {
          const length = buf.readUIntLE(at, width)
          const value = Buffer.alloc(size)
          buf.copy(value, 0, at + width, at + width + length)
          out[i] = value
          return at + width + length
        }
      }
      return lengthPrefixed(width)
    }
    case 252:
    case 255: {
      // BLOB / TEXT (MariaDB's JSON is LONGTEXT) and geometry, whose stored form is what the target takes back.
      const size = meta['length_size']
      if (typeof size !== 'number' || size < 1 || size > 4) return null
      return lengthPrefixed(size)
    }
    case 247: {
      const size = meta['size']
      if (size !== 1 && size !== 2) return null
      return (buf, at, out, i) => ((out[i] = buf.readUIntLE(at, size)), at + size)
    }
    case 248: {
      const size = meta['size']
      if (typeof size !== 'number' || size < 1 || size > 8) return null
      return (buf, at, out, i) => {
        let mask = 0n
        for (let b = size - 1; b >= 0; b--) mask = (mask << 8n) | BigInt(buf[at + b]!)
        out[i] = mask === 0n ? 0 : mask.toString()
        return at + size
      }
    }
    case 16: {
      const bits = meta['bits']
      if (typeof bits !== 'number') return null
      const size = (bits + 7) >> 3
      return (buf, at, out, i) => ((out[i] = buf.subarray(at, at + size)), at + size)
    }
    case 13:
      // The stored byte: 0 is the year 0000, n is 1900 + n.
      return (buf, at, out, i) => ((out[i] = buf[at] === 0 ? '0000' : String(buf[at]! + 1900)), at + 1)
    case 10:
      return (buf, at, out, i) => {
        const raw = buf.readUIntLE(at, 3)
        out[i] = dateText(raw >>> 9, (raw >>> 5) & 15, raw & 31)
        return at + 3
      }
    case 18: {
      const dec = meta['decimals'] ?? 0
      const frac = fractionBytes(dec)
      return (buf, at, out, i) => {
        // 40 bits, offset by 2^39: 17 bits year*13+month, 5 day, 5 hour, 6 minute, 6 second.
        const packed = buf.readUIntBE(at, 5) - 0x8000000000
        const ymd = Math.floor(packed / 0x20000)
        const hms = packed % 0x20000
        const ym = ymd >>> 5
        out[i] =
          `${dateText(Math.floor(ym / 13), ym % 13, ymd & 31)} ${pad2(hms >>> 12)}:${pad2((hms >>> 6) & 63)}:${pad2(hms & 63)}` +
          fractionText(buf, at + 5, dec)
        return at + 5 + frac
      }
    }
    case 17: {
      const dec = meta['decimals'] ?? 0
      const frac = fractionBytes(dec)
      return (buf, at, out, i) => {
        const seconds = buf.readUInt32BE(at)
        const fraction = fractionText(buf, at + 4, dec)
        if (seconds === 0 && !/[1-9]/.test(fraction)) out[i] = `0000-00-00 00:00:00${fraction}`
        else {
          const d = new Date(seconds * 1000)
          out[i] =
            `${dateText(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}` +
            fraction
        }
        return at + 4 + frac
      }
    }
    case 19: {
      const dec = meta['decimals'] ?? 0
      const frac = fractionBytes(dec)
      return (buf, at, out, i) => {
        // MySQL's packed TIME: 24-bit integer part offset by 2^23, then the fraction; negative values borrow.
        let intPart = buf.readUIntBE(at, 3) - 0x800000
        let micro = 0
        if (frac > 0) {
          let f = buf.readUIntBE(at + 3, frac)
          if (intPart < 0 && f !== 0) {
            intPart++
            f -= 2 ** (8 * frac)
          }
          micro = frac === 1 ? f * 10_000 : frac === 2 ? f * 100 : f
        }
        let total = intPart * 0x1000000 + micro
        const negative = total < 0
        if (negative) total = -total
        const hms = Math.floor(total / 0x1000000)
        const fraction = total % 0x1000000
        const hour = (hms >>> 12) % 1024
        out[i] =
          `${negative ? '-' : ''}${pad2(hour)}:${pad2((hms >>> 6) % 64)}:${pad2(hms % 64)}` +
          (dec > 0 ? `.${pad(fraction, 6).slice(0, dec)}` : '')
        return at + 3 + frac
      }
    }
    default:
      return null
  }
}

/** One reader per column, or null when a column's type is not one this decoder reads exactly. */
export function compileRowImageDecoder(columns: ColumnInfo[], binlog: BinlogColumn[]): RowImageDecoder | null {
  if (columns.length !== binlog.length) return null
  const readers: ColumnReader[] = []
  for (let i = 0; i < columns.length; i++) {
    const reader = columnReader(columns[i]!, binlog[i]!)
    if (!reader) return null
    readers.push(reader)
  }
  const n = readers.length
  const nullBytes = (n + 7) >> 3
  return {
    columnCount: n,
    read(buf, at, out) {
      const nulls = at
      let p = at + nullBytes
      for (let i = 0; i < n; i++) {
        if ((buf[nulls + (i >> 3)]! & (1 << (i & 7))) !== 0) out[i] = null
        else p = readers[i]!(buf, p, out, i)
      }
      return p
    },
  }
}

export interface DecodedRowsEvent {
  tableId: number
  kind: ChangeKind
  /** Row images in order; an update's come in (before, after) pairs. */
  images: CellValue[][]
}

function allPresent(buf: Buffer, at: number, n: number): boolean {
  for (let i = 0; i < n >> 3; i++) if (buf[at + i] !== 0xff) return false
  const rest = n & 7
  return rest === 0 || (buf[at + (n >> 3)]! & ((1 << rest) - 1)) === (1 << rest) - 1
}

/**
 * Decodes a rows event whose body spans [`at`, `end`) (after the 19-byte header, before any checksum). Returns
 * null — leave it to zongji — when the table has no compiled decoder or the event is not a full row image.
 */
export function decodeRowsEvent(
  code: number,
  buf: Buffer,
  at: number,
  end: number,
  decoderFor: (tableId: number) => RowImageDecoder | undefined,
): DecodedRowsEvent | null {
  const event = rowsEvents[code]
  if (!event) return null
  let p = at
  const tableId = buf.readUIntLE(p, 6)
  p += 8 // table id, flags
  if (event.v2) p += buf.readUInt16LE(p) // extra data, its length included
  const decoder = decoderFor(tableId)
  if (!decoder) return null
  let n = buf[p++]!
  if (n === 252) {
    n = buf.readUInt16LE(p)
    p += 2
  } else if (n >= 251) return null
  if (n !== decoder.columnCount) return null
  const bitmap = (n + 7) >> 3
  if (!allPresent(buf, p, n)) return null
  p += bitmap
  if (event.kind === 'update') {
    if (!allPresent(buf, p, n)) return null
    p += bitmap
  }
  const images: CellValue[][] = []
  while (p < end) {
    const row: CellValue[] = new Array(n)
    p = decoder.read(buf, p, row)
    images.push(row)
  }
  if (p !== end) return null
  return { tableId, kind: event.kind, images }
}
