import type { StateCreator } from 'zustand'
import type { JobSecretName, JobSecrets, JobSummary } from '../../../shared/domain/job'
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
  /**
   * An action held back because this host no longer holds the job's passwords (kept in memory only, lost when it
   * restarted): the secrets to ask for, and the action to run with them.
   */
  secretRequests: Record<string, SecretRequest | undefined>
  /**
   * Asks for the job's missing secrets before `action` (the SecretsDialog), which then runs `run` with what was
   * entered. False when this host holds every secret the job needs, and the caller goes ahead itself.
   */
  requestMissingSecrets: (
    id: string,
    action: SecretAction,
    run: (secrets: JobSecrets) => Promise<unknown>,
  ) => Promise<boolean>
  loadJobs: () => Promise<void>
  /** `secrets`: what the user entered for a `secretRequests` entry. */
  runJobAction: (id: string, action: JobAction, secrets?: JobSecrets) => Promise<boolean>
  cancelSecretRequest: (id: string) => void
  deleteJob: (id: string) => Promise<boolean>
}

/** Every action that may need the passwords again: the job's own, and the two that connect on their own. */
export type SecretAction = JobAction | 'validate' | 'cutover'

export interface SecretRequest {
  action: SecretAction
  names: JobSecretName[]
  run: (secrets: JobSecrets) => Promise<unknown>
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
    secretRequests: {},
    requestMissingSecrets: async (id, action, run) => {
      // Asked first, so the user types the passwords instead of reading "Access denied (using password: NO)".
      const missing = await call('job:get', { id })
        .then((job) => job.missingSecrets)
        .catch(() => [])
      if (missing.length === 0) return false
      set((s) => ({ secretRequests: { ...s.secretRequests, [id]: { action, names: missing, run } } }))
      return true
    },
    runJobAction: async (id, action, secrets) => {
      if (
        action !== 'pause' &&
        secrets === undefined &&
        (await get().requestMissingSecrets(id, action, (given) => get().runJobAction(id, action, given)))
      ) {
        return false
      }
      const request = () =>
        action === 'pause' ? call('job:pause', { id }) : call(channels[action], secrets ? { id, secrets } : { id })
      const ok = await perform(id, action, request, false)
      if (secrets !== undefined) set((s) => ({ secretRequests: { ...s.secretRequests, [id]: undefined } }))
      return ok
    },
    cancelSecretRequest: (id) => set((s) => ({ secretRequests: { ...s.secretRequests, [id]: undefined } })),
    deleteJob: (id) => perform(id, 'delete', () => call('job:delete', { id }), true),
  }
}
