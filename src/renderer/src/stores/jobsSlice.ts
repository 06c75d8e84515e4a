import type { StateCreator } from 'zustand'
import type { JobSummary } from '../../../shared/domain/job'
import { ApiError, call } from '../api'
import type { Store } from './store'

export type JobAction = 'start' | 'pause' | 'resume' | 'restart'

export interface ProblemText {
  code: string
  message: string
  workaround: string
}

export interface JobsSlice {
  jobs: JobSummary[]
  jobsLoaded: boolean
  jobsError: ProblemText | null
  /** Ids with an action in flight, so their buttons disable instead of firing twice. */
  busyJobs: Record<string, JobAction | 'delete' | undefined>
  /** The last failed action per job, shown next to it until the next action. */
  actionErrors: Record<string, ProblemText | undefined>
  loadJobs: () => Promise<void>
  runJobAction: (id: string, action: JobAction) => Promise<boolean>
  deleteJob: (id: string) => Promise<boolean>
}

export function describeProblem(error: unknown): ProblemText {
  return error instanceof ApiError
    ? { code: error.code, message: error.message, workaround: error.workaround }
    : {
        code: 'UNEXPECTED',
        message: error instanceof Error ? error.message : String(error),
        workaround: 'Try again; if it keeps happening, restart Cutover.',
      }
}

const channels = { start: 'job:start', pause: 'job:pause', resume: 'job:resume', restart: 'job:restart' } as const

export const createJobsSlice: StateCreator<Store, [], [], JobsSlice> = (set, get) => {
  const setBusy = (id: string, value: JobAction | 'delete' | undefined) =>
    set((s) => ({ busyJobs: { ...s.busyJobs, [id]: value } }))
  const setError = (id: string, value: ProblemText | undefined) =>
    set((s) => ({ actionErrors: { ...s.actionErrors, [id]: value } }))

  /**
   * Runs one action on a job: its buttons busy meanwhile, its last error replaced by this one's, and the list
   * reloaded after (awaited when the job may be gone, so the page never shows a deleted job).
   */
  const perform = async (
    id: string,
    action: JobAction | 'delete',
    request: () => Promise<unknown>,
    awaitReload: boolean,
  ): Promise<boolean> => {
    setBusy(id, action)
    setError(id, undefined)
    try {
      await request()
      return true
    } catch (error) {
      setError(id, describeProblem(error))
      return false
    } finally {
      setBusy(id, undefined)
      const reload = get().loadJobs()
      if (awaitReload) await reload
    }
  }

  return {
    jobs: [],
    jobsLoaded: false,
    jobsError: null,
    busyJobs: {},
    actionErrors: {},
    loadJobs: async () => {
      try {
        set({ jobs: await call('job:list', {}), jobsLoaded: true, jobsError: null })
      } catch (error) {
        set({ jobsLoaded: true, jobsError: describeProblem(error) })
      }
    },
    runJobAction: (id, action) => perform(id, action, () => call(channels[action], { id }), false),
    deleteJob: (id) => perform(id, 'delete', () => call('job:delete', { id }), true),
  }
}
