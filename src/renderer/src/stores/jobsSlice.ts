import type { StateCreator } from 'zustand'
import type { JobSummary } from '../../../shared/domain/job'
import { ApiError, call } from '../api'
import type { Store } from './store'

export interface JobsSlice {
  jobs: JobSummary[]
  jobsLoaded: boolean
  jobsError: { message: string; workaround: string } | null
  loadJobs: () => Promise<void>
  deleteJob: (id: string) => Promise<void>
}

function describe(error: unknown) {
  return error instanceof ApiError
    ? { message: error.message, workaround: error.workaround }
    : { message: String(error), workaround: 'Reload the window.' }
}

export const createJobsSlice: StateCreator<Store, [], [], JobsSlice> = (set, get) => ({
  jobs: [],
  jobsLoaded: false,
  jobsError: null,
  loadJobs: async () => {
    try {
      set({ jobs: await call('job:list', {}), jobsLoaded: true, jobsError: null })
    } catch (error) {
      set({ jobsLoaded: true, jobsError: describe(error) })
    }
  },
  deleteJob: async (id) => {
    await call('job:delete', { id })
    await get().loadJobs()
  },
})
