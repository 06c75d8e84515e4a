import type { JobSample } from '../../../../shared/domain/events'
import type { ProgressSample } from '../../stores/progressSlice'

export interface Point {
  t: number
  rowsPerSecond: number | null
  bytesPerSecond: number | null
  lagSeconds: number | null
}

/**
 * The stored series, then the live points after its end; a gap longer than three samples (the job was paused or
 * not running) becomes an empty point, so the lines break there instead of bridging it.
 */
export function mergeHistory(stored: JobSample[], live: ProgressSample[]): Point[] {
  const last = stored[stored.length - 1]
  const storedEnd = last ? last.t + last.spanMs : -Infinity
  const points: (Point & { span: number })[] = [
    // A stored sample is the mean over its span: drawn at the span's end, as a live point is at its time.
    ...stored.map((s) => ({ ...s, t: s.t + s.spanMs, span: s.spanMs })),
    ...live.filter((s) => s.t >= storedEnd).map((s) => ({ ...s, span: 1000 })),
  ]
  const out: Point[] = []
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!
    const before = points[i - 1]
    if (before && p.t - before.t > 3 * Math.max(before.span, p.span, 5000))
      out.push({ t: before.t + 1, rowsPerSecond: null, bytesPerSecond: null, lagSeconds: null })
    out.push({ t: p.t, rowsPerSecond: p.rowsPerSecond, bytesPerSecond: p.bytesPerSecond, lagSeconds: p.lagSeconds })
  }
  return out
}
