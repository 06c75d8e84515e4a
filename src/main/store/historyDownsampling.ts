/**
 * Keeps a job's throughput and lag series bounded however long it runs: samples are merged into buckets that
 * widen with age (5 s for the last hour, 1 min for the last day, 10 min before), and if a job still has more than
 * `maxSamples`, its buckets are widened further, oldest first, until it fits. Rates are averaged over time (each
 * sample weighs its span); lag keeps the highest value of a bucket, the figure a DBA looks for.
 */
import type { JobSample } from '../../shared/domain/events'

export interface HistoryTier {
  /** Samples at least this old (ms)... */
  olderThanMs: number
  /** ...are merged into buckets this wide (ms), aligned on multiples of it. */
  bucketMs: number
}

export const sampleEveryMs = 5_000
export const historyTiers: readonly HistoryTier[] = [
  { olderThanMs: 0, bucketMs: sampleEveryMs },
  { olderThanMs: 60 * 60_000, bucketMs: 60_000 },
  { olderThanMs: 24 * 60 * 60_000, bucketMs: 10 * 60_000 },
]
/** 1 h at 5 s (720) + 23 h at 1 min (1,380) + a week at 10 min (1,008) fit; longer runs widen their oldest buckets. */
export const maxSamplesPerJob = 3_200

function bucketFor(ageMs: number, tiers: readonly HistoryTier[]): number {
  let width = tiers[0]?.bucketMs ?? sampleEveryMs
  for (const tier of tiers) if (ageMs >= tier.olderThanMs) width = Math.max(width, tier.bucketMs)
  return width
}

/** Merges `samples` (any order) into buckets; a bucket's stage is its latest sample's. */
function merge(samples: JobSample[], widthOf: (s: JobSample) => number): JobSample[] {
  const buckets = new Map<number, { width: number; parts: JobSample[] }>()
  for (const s of samples) {
    const width = Math.max(widthOf(s), s.spanMs)
    const at = Math.floor(s.t / width) * width
    const bucket = buckets.get(at)
    if (bucket) {
      bucket.parts.push(s)
      bucket.width = Math.max(bucket.width, width)
    } else buckets.set(at, { width, parts: [s] })
  }
  const out: JobSample[] = []
  for (const [at, { width, parts }] of buckets) {
    if (parts.length === 1 && parts[0]!.t === at && parts[0]!.spanMs === width) {
      out.push(parts[0]!)
      continue
    }
    const weight = parts.reduce((n, p) => n + p.spanMs, 0) || 1
    const lags = parts.map((p) => p.lagSeconds).filter((x): x is number => x !== null)
    const latest = parts.reduce((a, b) => (b.t > a.t ? b : a))
    out.push({
      t: at,
      spanMs: width,
      stage: latest.stage,
      rowsPerSecond: parts.reduce((n, p) => n + p.rowsPerSecond * p.spanMs, 0) / weight,
      bytesPerSecond: parts.reduce((n, p) => n + p.bytesPerSecond * p.spanMs, 0) / weight,
      lagSeconds: lags.length > 0 ? Math.max(...lags) : null,
    })
  }
  return out.sort((a, b) => a.t - b.t)
}

/** The series as it is kept at `nowMs`: buckets widened by age, at most `maxSamples`, oldest first. */
export function downsampleHistory(
  samples: JobSample[],
  nowMs: number,
  tiers: readonly HistoryTier[] = historyTiers,
  maxSamples = maxSamplesPerJob,
): JobSample[] {
  let out = merge(samples, (s) => bucketFor(nowMs - (s.t + s.spanMs), tiers))
  // Still too many (a run of weeks): the older half's buckets double until the whole series fits.
  let width = Math.max(...tiers.map((t) => t.bucketMs))
  while (out.length > maxSamples) {
    width *= 2
    const cut = out[Math.floor(out.length / 2)]!.t
    out = merge(out, (s) => (s.t < cut ? width : s.spanMs))
  }
  return out
}
