import { describe, expect, it } from 'vitest'
import { col } from './testColumns'
import type { ColumnInfo } from '../vocabulary/columnCatalog'
import { ByteSink, compileLoadDataEncoder, firstCellText } from './rowEncoders'
import { encodeRow } from './valueEncoding'

const columns: ColumnInfo[] = [
  col('i', 'bigint'),
  col('d', 'decimal'),
  col('f', 'float'),
  col('b', 'bit'),
  col('t', 'varchar', { charset: 'utf8mb4' }),
  col('l', 'text', { charset: 'latin1' }),
  col('bin', 'blob'),
  col('j', 'json'),
  col('dt', 'datetime'),
  col('e', 'enum'),
  col('g', 'int', { generated: 'stored' }),
]
const copied = columns.filter((c) => c.generated === 'no')

/** Deterministic pseudo-random rows that cover every byte value and the awkward cases. */
function* rows(count: number): Generator<(Buffer | null)[]> {
  let seed = 42
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)))
  const ascii = (s: string) => Buffer.from(s, 'latin1')
  for (let n = 0; n < count; n++) {
    const maybe = (b: Buffer) => (rand() < 0.1 ? null : b)
    yield [
      maybe(ascii(String(BigInt(Math.floor(rand() * 2 ** 53)) * (rand() < 0.5 ? -1n : 1n) * 1024n))),
      maybe(ascii(`${Math.floor(rand() * 1e9)}.${Math.floor(rand() * 1e6)}`)),
      maybe(ascii(['-0', '0.10000000149011612', '3.4028234663852886e38', '1e-45', '16777217'][n % 5]!)),
      maybe(bytes(1 + (n % 8))),
      maybe(Buffer.from(['', 'tab\there', 'new\nline', 'back\\slash', 'NULL', '\\N', 'héllo 😀'][n % 7]!, 'utf8')),
      maybe(bytes(n % 40)),
      maybe(bytes(n % 300)),
      maybe(Buffer.from(JSON.stringify({ n, s: 'a\tb\\c"d' }), 'utf8')),
      maybe(ascii('2024-02-29 23:59:59.999999')),
      maybe(ascii(['a', 'b,c', "d'e", ''][n % 4]!)),
    ]
  }
}

/** A text-protocol row packet's payload: each cell length-encoded, 0xfb for NULL (as the server sends it). */
function rowPacket(row: (Buffer | null)[], lead = 3): { packet: Buffer; start: number; end: number } {
  const parts: Buffer[] = [Buffer.alloc(lead, 0xee)]
  for (const cell of row) {
    if (cell === null) parts.push(Buffer.from([0xfb]))
    else if (cell.length < 0xfb) parts.push(Buffer.from([cell.length]), cell)
    else if (cell.length < 0x10000) parts.push(Buffer.from([0xfc, cell.length & 0xff, cell.length >> 8]), cell)
    else parts.push(Buffer.from([0xfd, cell.length & 0xff, (cell.length >> 8) & 0xff, cell.length >> 16]), cell)
  }
  parts.push(Buffer.alloc(2, 0xee))
  const packet = Buffer.concat(parts)
  return { packet, start: lead, end: packet.length - 2 }
}

describe('compiled row encoders', () => {
  it('write the LOAD DATA stream byte for byte like the reference encoder', () => {
    const encode = compileLoadDataEncoder(columns)
    const sink = new ByteSink(64)
    const reference: Buffer[] = []
    for (const row of rows(3000)) {
      const { packet, start, end } = rowPacket(row)
      encode(packet, start, end, sink)
      reference.push(encodeRow(row, copied))
    }
    expect(sink.take().equals(Buffer.concat(reference))).toBe(true)
  })

  it('double the quote byte wherever it falls when many rows share one packet buffer', () => {
    // Rows arrive packed in socket-sized buffers: the quote search runs ahead across cells, length bytes
    // (a 511-byte cell's length is fc ff 01) and rows, and must never skip a quote inside a later value.
    const blobs = [col('a', 'blob'), col('n', 'int'), col('b', 'varchar', { charset: 'latin1' })]
    const cells = [
      Buffer.alloc(0),
      Buffer.from([0xff]),
      Buffer.from('plain'),
      Buffer.alloc(511, 0x61),
      Buffer.alloc(300, 0xff),
    ]
    const rowsIn: (Buffer | null)[][] = []
    for (let n = 0; n < 400; n++) {
      const pick = (k: number) =>
        n % 11 === k ? null : Buffer.concat([cells[(n * 7 + k) % 5]!, Buffer.from([n & 0xff])])
      rowsIn.push([pick(1), Buffer.from(String(n)), pick(2)])
    }
    const packets = rowsIn.map((row) => rowPacket(row, 0).packet)
    const shared = Buffer.concat(packets)
    const encode = compileLoadDataEncoder(blobs)
    const sink = new ByteSink(64)
    let at = 0
    for (const p of packets) {
      // Each row's packet minus the 2 trailing bytes rowPacket adds.
      encode(shared, at, at + p.length - 2, sink)
      at += p.length
    }
    expect(sink.take().equals(Buffer.concat(rowsIn.map((row) => encodeRow(row, blobs))))).toBe(true)
  })

  it('refuse a row whose width does not match the columns', () => {
    const short = rowPacket([null])
    expect(() => compileLoadDataEncoder(columns)(short.packet, short.start, short.end, new ByteSink())).toThrow(
      /1 values for 10 columns/,
    )
    const long = rowPacket(Array.from({ length: 11 }, () => Buffer.from('1')))
    expect(() => compileLoadDataEncoder(columns)(long.packet, long.start, long.end, new ByteSink())).toThrow(
      /more than 10 values/,
    )
  })

  it('read cells of every length encoding and name a row by its first cell', () => {
    const big = Buffer.alloc(70000, 0x41)
    const mid = Buffer.alloc(300, 0x42)
    const text = [col('a', 'varchar'), col('b', 'varchar'), col('c', 'varchar')]
    const q = Buffer.from([0xff])
    const tab = Buffer.from('\t')
    const { packet, start, end } = rowPacket([Buffer.from('k1'), mid, big])
    const sink = new ByteSink(16)
    compileLoadDataEncoder(text)(packet, start, end, sink)
    expect(
      sink.take().equals(Buffer.concat([q, Buffer.from('k1'), q, tab, q, mid, q, tab, q, big, q, Buffer.from('\n')])),
    ).toBe(true)
    expect(firstCellText(packet, start, end)).toBe('k1')
    const nullFirst = rowPacket([null, mid, big])
    expect(firstCellText(nullFirst.packet, nullFirst.start, nullFirst.end)).toBeNull()
  })
})

describe('ByteSink.decimal', () => {
  it('writes integers below 2^53 exactly as their decimal text', () => {
    const values = [0, 7, 9, 10, 99, 100, 255, 65535, 2 ** 32, 2 ** 48 - 1, Number.MAX_SAFE_INTEGER]
    const sink = new ByteSink(4)
    for (const v of values) {
      sink.decimal(v)
      sink.byte(0x2c)
    }
    expect(sink.take().toString('latin1')).toBe(values.map((v) => `${v},`).join(''))
  })
})
