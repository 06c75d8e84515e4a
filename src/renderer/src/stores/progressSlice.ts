import type { StateCreator } from 'zustand'
import type { JobProgress, JobRetry } from '../../../shared/domain/events'
import type { Store } from './store'

/** One point of the throughput and lag charts. */
export interface ProgressSample {
  t: number
  rowsPerSecond: number
  bytesPerSecond: number
  lagSeconds: number | null
}

/** Five minutes at one sample a second: enough history for the charts, bounded memory for long jobs. */
export const maxSamples = 300
const sampleEveryMs = 1000

export interface ProgressSlice {
  /** The latest `job:progress` per job; main already coalesces it to a few per second. */
  progress: Record<string, JobProgress | undefined>
  samples: Record<string, ProgressSample[] | undefined>
  receiveProgress: (progress: JobProgress) => void
  /** The latest `job:reconnecting` per job: null once the job moves again (undefined: none seen yet). */
  retries: Record<string, JobRetry | null | undefined>
  receiveRetry: (jobId: string, retry: JobRetry | null) => void
}

export const createProgressSlice: StateCreator<Store, [], [], ProgressSlice> = (set) => ({
  progress: {},
  samples: {},
  retries: {},
  receiveRetry: (jobId, retry) => set((s) => ({ retries: { ...s.retries, [jobId]: retry } })),
  receiveProgress: (p) =>
    set((s) => {
      const now = Date.now()
      const history = s.samples[p.jobId] ?? []
      const last = history[history.length - 1]
      const sample = { t: now, rowsPerSecond: p.rowsPerSecond, bytesPerSecond: p.bytesPerSecond, lagSeconds: p.lagSeconds }
      // The charts need one point a second; a new array only then keeps their re-renders at 1/s.
      const samples =
        last && now - last.t < sampleEveryMs ? s.samples : { ...s.samples, [p.jobId]: [...history.slice(-(maxSamples - 1)), sample] }
      return { progress: { ...s.progress, [p.jobId]: p }, samples }
    }),
})
