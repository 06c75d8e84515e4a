import { describe, expect, it } from 'vitest'
import type { ChunkCheckpoint } from '../../store/jobStore'
import { copiedPositions, createCopyFilter } from './copiedTables'

const chunk = (
  table: string,
  state: ChunkCheckpoint['state'],
  snapshot: { file: string; position: number } | null,
): ChunkCheckpoint => ({ table, chunkIndex: 0, lower: null, upper: null, state, rows: 1, bytes: 1, snapshot })
const at = (file: string, position: number) => ({ file, position })

describe('copiedPositions', () => {
  const start = at('bin.000001', 100)
  it('keeps tables whose every chunk was read after the start, at their earliest snapshot', () => {
    const map = copiedPositions(
      [
        chunk('d.late', 'done', at('bin.000001', 900)),
        chunk('d.late', 'done', at('bin.000001', 500)),
        chunk('d.first', 'done', at('bin.000001', 100)),
        chunk('d.first', 'done', at('bin.000001', 500)),
        chunk('d.open', 'done', at('bin.000001', 500)),
        chunk('d.open', 'started', null),
        chunk('d.old', 'done', null),
        chunk('d.rotated', 'done', at('bin.000002', 4)),
      ],
      start,
    )
    expect([...map]).toEqual([
      ['d.late', at('bin.000001', 500)],
      ['d.rotated', at('bin.000002', 4)],
    ])
  })
  it('is empty when every table was copied at the first snapshot', () => {
    expect(copiedPositions([chunk('d.t', 'done', start)], start).size).toBe(0)
  })
})

describe('createCopyFilter', () => {
  const copied = new Map([['d.t', at('bin.000002', 500)]])
  it('holds whole transactions ending at or before the copy snapshot, only for that table', () => {
    const filter = createCopyFilter(copied, at('bin.000002', 100))
    expect(filter.holds('d.t', at('bin.000002', 500))).toBe(true)
    expect(filter.holds('d.t', at('bin.000002', 501))).toBe(false)
    expect(filter.holds('d.t', at('bin.000001', 9000))).toBe(true)
    expect(filter.holds('d.other', at('bin.000002', 200))).toBe(false)
  })
  it('holds parts of a large transaction that began before the snapshot in the same file', () => {
    const filter = createCopyFilter(copied, at('bin.000002', 100))
    expect(filter.holds('d.t', null)).toBe(true)
    filter.passed(at('bin.000002', 500))
    expect(filter.holds('d.t', null)).toBe(false)
  })
  it('applies a part whose transaction began in an earlier file (a rotation may lie between)', () => {
    const filter = createCopyFilter(copied, at('bin.000001', 100))
    expect(filter.holds('d.t', null)).toBe(false)
  })
})
