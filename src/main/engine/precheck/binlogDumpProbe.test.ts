import { describe, expect, it } from 'vitest'
import { misplacedEventEnd } from './binlogDumpProbe'

/** An event packet as the dump sends it: the OK byte, then the 19-byte header and the body. */
function packet(size: number, end: number): { buffer: Buffer; offset: number } {
  const buffer = Buffer.alloc(1 + size)
  buffer.writeUInt8(5, 1 + 4)
  buffer.writeUInt32LE(size, 1 + 9)
  buffer.writeUInt32LE(end, 1 + 13)
  return { buffer, offset: 0 }
}

describe('misplacedEventEnd', () => {
  it('accepts an event that ends at its position plus its size, and names the end of one that does not', () => {
    expect(misplacedEventEnd(packet(64, 1_064), 1_000)).toBeNull()
    expect(misplacedEventEnd(packet(64, 123_456), 1_000)).toBe(123_456)
  })

  it('compares the 32-bit next position modulo 4 GiB, as a binlog larger than 4 GiB writes it', () => {
    expect(misplacedEventEnd(packet(100, 50), 2 ** 32 - 50)).toBeNull()
  })
})
