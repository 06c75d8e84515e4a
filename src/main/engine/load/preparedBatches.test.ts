import { describe, expect, it } from 'vitest'
import { ByteSink } from './rowEncoders'
import { appendValues, BatchBuilder } from './preparedBatches'

/** A text-protocol row of short cells: each cell's length then its bytes, 0xfb for NULL. */
function row(cells: (string | null)[]): Buffer {
  return Buffer.concat(
    cells.map((c) => (c === null ? Buffer.from([0xfb]) : Buffer.concat([Buffer.from([c.length]), Buffer.from(c)]))),
  )
}

const bits = (nulls: Uint8Array, count: number) =>
  Array.from({ length: count }, (_, p) => (nulls[p >> 3]! >> (p & 7)) & 1).join('')

describe('appendValues', () => {
  it('copies the non-NULL cells as they are and sets a bit per NULL, at the row’s parameter offset', () => {
    const sink = new ByteSink(8)
    const nulls = new Uint8Array(2)
    appendValues(row([null, 'ab', '']), 0, row([null, 'ab', '']).length, sink, nulls, 0, 3)
    const second = row(['x', null, null])
    appendValues(second, 0, second.length, sink, nulls, 3, 3)
    const third = row(['', 'longer value', null])
    appendValues(third, 0, third.length, sink, nulls, 6, 3)
    expect(sink.take().toString('latin1')).toBe('\x02ab\x00\x01x\x00\x0clonger value')
    expect(bits(nulls, 9)).toBe('100011001')
  })

  it('refuses a row whose width does not match the columns', () => {
    const short = row(['a'])
    expect(() => appendValues(short, 0, short.length, new ByteSink(), new Uint8Array(1), 0, 2)).toThrow(
      /1 values for 2/,
    )
    const long = row(['a', 'b', 'c'])
    expect(() => appendValues(long, 0, long.length, new ByteSink(), new Uint8Array(1), 0, 2)).toThrow(/more than 2/)
  })
})

describe('BatchBuilder', () => {
  it('fills batches up to the row limit, then after a batch cut short by bytes keeps to the power of two that fitted', () => {
    const builder = new BatchBuilder(2, 8, 100)
    const add = (a: string) => {
      const r = row([a, null])
      if (builder.rows > 0 && !builder.fits(r, 0, r.length)) return builder.take()
      builder.add(r, 0, r.length)
      return builder.full() ? builder.take() : null
    }
    const batches = []
    for (let i = 0; i < 8; i++) batches.push(add('v'))
    const first = batches.at(-1)!
    expect(first.rows).toBe(8)
    expect(first.offsets).toHaveLength(9)
    expect(first.data.subarray(first.valuesAt).toString('latin1')).toBe('\x01v'.repeat(8))
    expect(bits(first.nulls, 16)).toBe('01'.repeat(8))
    // Rows of 16 value bytes: six fit in 100 bytes, the seventh does not, so the batch ends at 6 rows…
    let cut = null
    for (let i = 0; i < 7 && !cut; i++) cut = add('x'.repeat(15))
    expect(cut?.rows).toBe(6)
    // …and later batches hold 4 rows (the largest power of two not above 6).
    let next = null
    for (let i = 0; i < 8 && !next; i++) next = add('y')
    expect(next?.rows).toBe(4)
  })
})
