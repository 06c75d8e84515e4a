import { describe, expect, it } from 'vitest'
import type { JobSample } from '../../../../shared/domain/events'
import { mergeHistory } from './chartHistory'

const stored = (t: number, rows: number): JobSample => ({
  t,
  spanMs: 5_000,
  stage: 'existing',
  rowsPerSecond: rows,
  bytesPerSecond: rows * 10,
  lagSeconds: null,
})
const live = (t: number, rows: number) => ({ t, rowsPerSecond: rows, bytesPerSecond: rows * 10, lagSeconds: null })

describe('mergeHistory', () => {
  it('draws stored samples at the end of their span, then the live points after the stored series', () => {
    const points = mergeHistory(
      [stored(0, 10), stored(5_000, 20)],
      [live(9_000, 99), live(10_000, 30), live(11_000, 40)],
    )
    expect(points.map((p) => [p.t, p.rowsPerSecond])).toEqual([
      [5_000, 10],
      [10_000, 20],
      [10_000, 30],
      [11_000, 40],
    ])
  })

  it('breaks the lines across a pause instead of bridging it', () => {
    const points = mergeHistory([stored(0, 10), stored(600_000, 20)], [])
    expect(points.map((p) => p.rowsPerSecond)).toEqual([10, null, 20])
    expect(points[1]!.t).toBeGreaterThan(points[0]!.t)
    expect(points[1]!.t).toBeLessThan(points[2]!.t)
  })

  it('shows the live points alone when nothing is stored yet', () => {
    expect(mergeHistory([], [live(1_000, 5), live(2_000, 6)])).toHaveLength(2)
  })
})
