import { describe, expect, it } from 'vitest'
import type { JobSample } from '../../shared/domain/events'
import { downsampleHistory, maxSamplesPerJob, sampleEveryMs } from './historyDownsampling'

const hour = 60 * 60_000
const day = 24 * hour

/** One sample per 5 s from `fromMs` to `toMs`: rows/s = 100, lag rising by 1 s a sample. */
function run(fromMs: number, toMs: number): JobSample[] {
  const out: JobSample[] = []
  for (let t = fromMs, i = 0; t < toMs; t += sampleEveryMs, i++)
    out.push({
      t,
      spanMs: sampleEveryMs,
      stage: 'incremental',
      rowsPerSecond: 100,
      bytesPerSecond: 2048,
      lagSeconds: i % 60,
    })
  return out
}

describe('downsampleHistory', () => {
  it('keeps the last hour at 5 s, the last day at 1 min and older at 10 min', () => {
    const now = 3 * day
    const kept = downsampleHistory(run(0, now), now)
    const spanAt = (age: number) => kept.find((s) => s.t <= now - age && now - age < s.t + s.spanMs)!.spanMs
    expect(spanAt(10 * 60_000)).toBe(5_000)
    expect(spanAt(5 * hour)).toBe(60_000)
    expect(spanAt(2 * day)).toBe(10 * 60_000)
    expect(kept.length).toBe(720 + 23 * 60 + 2 * 144)
    // Gap-free and in order: each bucket starts where the one before ends.
    for (let i = 1; i < kept.length; i++) expect(kept[i]!.t).toBe(kept[i - 1]!.t + kept[i - 1]!.spanMs)
  })

  it('averages rates over time and keeps the highest lag of a bucket', () => {
    const now = 2 * hour
    const kept = downsampleHistory(run(0, now), now)
    const minute = kept[0]!
    expect(minute.spanMs).toBe(60_000)
    expect(minute.rowsPerSecond).toBeCloseTo(100)
    expect(minute.bytesPerSecond).toBeCloseTo(2048)
    expect(minute.lagSeconds).toBe(11)
  })

  it('weights samples by their span and lets a bucket without lag stay null', () => {
    const samples: JobSample[] = [
      { t: 0, spanMs: 5_000, stage: 'existing', rowsPerSecond: 0, bytesPerSecond: 0, lagSeconds: null },
      { t: 5_000, spanMs: 55_000, stage: 'existing', rowsPerSecond: 120, bytesPerSecond: 0, lagSeconds: null },
    ]
    const [merged] = downsampleHistory(samples, 10 * hour)
    expect(merged!.rowsPerSecond).toBeCloseTo(110)
    expect(merged!.lagSeconds).toBeNull()
    expect(merged!.stage).toBe('existing')
  })

  it('stays bounded for a run of weeks, and merging again changes nothing', () => {
    const now = 30 * day
    const kept = downsampleHistory(run(0, now), now)
    expect(kept.length).toBeLessThanOrEqual(maxSamplesPerJob)
    expect(kept.at(-1)!.spanMs).toBe(5_000)
    expect(kept[0]!.t).toBe(0)
    expect(downsampleHistory(kept, now)).toEqual(kept)
    // A later pass over the kept series (as the store runs it each minute) still fits.
    const later = downsampleHistory([...kept, ...run(now, now + hour)], now + hour)
    expect(later.length).toBeLessThanOrEqual(maxSamplesPerJob)
  })
})
