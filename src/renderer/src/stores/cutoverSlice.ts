import type { StateCreator } from 'zustand'
import type {
  CutoverProgress,
  CutoverReadiness,
  CutoverRecord,
  CutoverRequestInput,
} from '../../../shared/domain/cutover'
import type { JobSecrets } from '../../../shared/domain/job'
import { call } from '../api'
import { describeProblem, type ProblemText } from './jobsSlice'
import type { Store } from './store'

/** One job's cutover as the job page shows it: readiness, the steps of a running cutover, and the recorded point. */
export interface JobCutover {
  readiness: CutoverReadiness | null
  readinessError: ProblemText | null
  running: boolean
  steps: CutoverProgress[]
  record: CutoverRecord | null
  error: ProblemText | null
}

export interface CutoverSlice {
  cutovers: Record<string, JobCutover | undefined>
  loadReadiness: (
    jobId: string,
    options?: { readySeconds?: number; validate?: CutoverRequestInput['validate'] },
  ) => Promise<void>
  loadCutoverRecord: (jobId: string) => Promise<void>
  /** `secrets`: what the user entered when this host no longer held the job's passwords (asked for first). */
  startCutover: (jobId: string, request: CutoverRequestInput, secrets?: JobSecrets) => Promise<void>
  cancelCutover: (jobId: string) => Promise<void>
  receiveCutoverProgress: (progress: CutoverProgress) => void
}

const empty: JobCutover = {
  readiness: null,
  readinessError: null,
  running: false,
  steps: [],
  record: null,
  error: null,
}

export const createCutoverSlice: StateCreator<Store, [], [], CutoverSlice> = (set, get) => {
  const patch = (jobId: string, change: Partial<JobCutover>) =>
    set((s) => ({ cutovers: { ...s.cutovers, [jobId]: { ...(s.cutovers[jobId] ?? empty), ...change } } }))
  return {
    cutovers: {},
    loadReadiness: async (jobId, options = {}) => {
      try {
        patch(jobId, { readiness: await call('job:cutoverReadiness', { id: jobId, ...options }), readinessError: null })
      } catch (error) {
        patch(jobId, { readinessError: describeProblem(error) })
      }
    },
    loadCutoverRecord: async (jobId) => {
      try {
        patch(jobId, { record: await call('job:cutoverRecord', { id: jobId }) })
      } catch (error) {
        patch(jobId, { error: describeProblem(error) })
      }
    },
    startCutover: async (jobId, request, secrets) => {
      if (get().cutovers[jobId]?.running) return
      if (
        secrets === undefined &&
        (await get().requestMissingSecrets(jobId, 'cutover', (given) => get().startCutover(jobId, request, given)))
      ) {
        return
      }
      patch(jobId, { running: true, steps: [], error: null })
      // The dialog closes as the cutover starts: its steps show on the page, not behind the dialog.
      if (secrets !== undefined) get().cancelSecretRequest(jobId)
      try {
        const record = await call('job:cutover', { id: jobId, request, ...(secrets ? { secrets } : {}) })
        patch(jobId, { record, running: false })
      } catch (error) {
        patch(jobId, { running: false, error: describeProblem(error) })
      }
    },
    cancelCutover: async (jobId) => {
      await call('job:cancelCutover', { id: jobId }).catch(() => undefined)
    },
    receiveCutoverProgress: (p) => {
      const now = get().cutovers[p.jobId] ?? empty
      // A cutover started from the CLI or another window shows its steps too.
      patch(p.jobId, { steps: p.step === 'checking' ? [p] : [...now.steps, p] })
    },
  }
}
