import type { StateCreator } from 'zustand'
import type { JobProgress } from '../../../shared/domain/events'
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
}

export const createProgressSlice: StateCreator<Store, [], [], ProgressSlice> = (set) => ({
  progress: {},
  samples: {},
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
