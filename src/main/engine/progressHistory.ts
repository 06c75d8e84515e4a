/**
 * Records each job's throughput and lag from its `job:progress` events into the store: one sample per 5 s bucket
 * (the mean rates of the events in it, the highest lag), written when the next bucket begins or the run ends. The
 * store merges older samples into wider buckets (historyDownsampling.ts).
 */
import type { JobProgress } from '../../shared/domain/events'
import type { JobStore } from '../store/jobStore'
import { sampleEveryMs } from '../store/historyDownsampling'

interface OpenBucket {
  t: number
  count: number
  rows: number
  bytes: number
  lag: number | null
  stage: JobProgress['stage']
}

export interface HistoryRecorder {
  add(progress: JobProgress, nowMs?: number): void
  /** Writes the job's open bucket (its run ended). */
  flush(jobId: string): void
}

export function createHistoryRecorder(store: Pick<JobStore, 'appendSample'>): HistoryRecorder {
  const open = new Map<string, OpenBucket>()
  const write = (jobId: string, b: OpenBucket) =>
    store.appendSample(jobId, {
      t: b.t,
      spanMs: sampleEveryMs,
      stage: b.stage,
      rowsPerSecond: b.rows / b.count,
      bytesPerSecond: b.bytes / b.count,
      lagSeconds: b.lag,
    })
  return {
    add(p, nowMs = Date.now()) {
      const t = Math.floor(nowMs / sampleEveryMs) * sampleEveryMs
      let b = open.get(p.jobId)
      if (b && b.t !== t) {
        write(p.jobId, b)
        b = undefined
      }
      if (!b) open.set(p.jobId, (b = { t, count: 0, rows: 0, bytes: 0, lag: null, stage: p.stage }))
      b.count++
      b.rows += p.rowsPerSecond
      b.bytes += p.bytesPerSecond
      if (p.lagSeconds !== null) b.lag = Math.max(b.lag ?? 0, p.lagSeconds)
      b.stage = p.stage
    },
    flush(jobId) {
      const b = open.get(jobId)
      open.delete(jobId)
      if (b) write(jobId, b)
    },
  }
}
