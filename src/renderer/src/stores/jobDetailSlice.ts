import type { StateCreator } from 'zustand'
import type { JobLogEntry, LogLevel } from '../../../shared/domain/events'
import type { JobStatusReport } from '../../../shared/domain/job'
import type { ContinuousValidationStatus } from '../../../shared/domain/validation'
import { call } from '../api'
import { describeProblem, type ProblemText } from './jobsSlice'
import type { Store } from './store'

/** The log keeps the newest entries only: a long job logs far more than anyone reads in the window. */
const maxLogEntries = 2000

export interface JobDetailSlice {
  detailId: string | null
  report: JobStatusReport | null
  detailError: ProblemText | null
  log: JobLogEntry[]
  logLevel: LogLevel
  openDetail: (id: string) => Promise<void>
  closeDetail: () => void
  refreshDetail: () => Promise<void>
  setLogLevel: (level: LogLevel) => Promise<void>
  receiveLog: (entry: JobLogEntry) => void
  receiveContinuousValidation: (status: ContinuousValidationStatus) => void
}

const levelRank: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3 }

export const createJobDetailSlice: StateCreator<Store, [], [], JobDetailSlice> = (set, get) => {
  async function loadLog(id: string, level: LogLevel) {
    // The newest entries in one call: a long job's history is never read just to be dropped by the cap.
    const entries = await call('job:events', { id, latest: true, limit: maxLogEntries, minLevel: level })
    if (get().detailId !== id || get().logLevel !== level) return
    // Entries that arrived live while the call was under way are newer than its answer: keep them.
    const lastId = entries[entries.length - 1]?.id ?? 0
    const live = get().log.filter((e) => e.id > lastId)
    set({ log: [...entries, ...live].slice(-maxLogEntries) })
  }

  return {
    detailId: null,
    report: null,
    detailError: null,
    log: [],
    logLevel: 'info',
    openDetail: async (id) => {
      set({ detailId: id, report: null, detailError: null, log: [] })
      await Promise.all([get().refreshDetail(), loadLog(id, get().logLevel).catch(() => undefined)])
    },
    closeDetail: () => set({ detailId: null, report: null, detailError: null, log: [] }),
    refreshDetail: async () => {
      const id = get().detailId
      if (!id) return
      try {
        const report = await call('job:status', { id })
        if (get().detailId === id) set({ report, detailError: null })
      } catch (error) {
        if (get().detailId === id) set({ detailError: describeProblem(error) })
      }
    },
    setLogLevel: async (level) => {
      set({ logLevel: level, log: [] })
      const id = get().detailId
      if (id) await loadLog(id, level).catch(() => undefined)
    },
    receiveContinuousValidation: (status) => {
      const { detailId, report } = get()
      if (status.jobId !== detailId || !report) return
      set({ report: { ...report, continuousValidation: status } })
    },
    receiveLog: (entry) => {
      const { detailId, logLevel, log } = get()
      if (entry.jobId !== detailId || levelRank[entry.level] < levelRank[logLevel]) return
      if (log.length > 0 && log[log.length - 1]!.id >= entry.id) return
      set({ log: log.length >= maxLogEntries ? [...log.slice(1), entry] : [...log, entry] })
    },
  }
}
