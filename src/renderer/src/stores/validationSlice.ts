import type { StateCreator } from 'zustand'
import type { JobSecrets } from '../../../shared/domain/job'
import type { ValidationProgress, ValidationResult } from '../../../shared/domain/validation'
import { call } from '../api'
import { newRunId } from '../runId'
import { describeProblem, type ProblemText } from './jobsSlice'
import type { Store } from './store'

/** One job's validation as the job page shows it: the one running (with its latest progress) and the last result. */
export interface JobValidation {
  runningId: string | null
  progress: ValidationProgress | null
  last: ValidationResult | null
  error: ProblemText | null
}

export interface ValidationSlice {
  validations: Record<string, JobValidation | undefined>
  loadValidation: (jobId: string) => Promise<void>
  /** `secrets`: what the user entered when this host no longer held the job's passwords (asked for first). */
  startValidation: (jobId: string, secrets?: JobSecrets) => Promise<void>
  cancelValidation: (jobId: string) => Promise<void>
  receiveValidationProgress: (progress: ValidationProgress) => void
  receiveValidationFinished: (result: ValidationResult) => void
}

const empty: JobValidation = { runningId: null, progress: null, last: null, error: null }

export const createValidationSlice: StateCreator<Store, [], [], ValidationSlice> = (set, get) => {
  const patch = (jobId: string, change: Partial<JobValidation>) =>
    set((s) => ({ validations: { ...s.validations, [jobId]: { ...(s.validations[jobId] ?? empty), ...change } } }))
  return {
    validations: {},
    loadValidation: async (jobId) => {
      try {
        const last = await call('job:lastValidation', { id: jobId })
        // A validation another window or the CLI runs shows as running until its result is stored.
        patch(jobId, { last, error: null })
      } catch (error) {
        patch(jobId, { error: describeProblem(error) })
      }
    },
    startValidation: async (jobId, secrets) => {
      if (get().validations[jobId]?.runningId) return
      if (
        secrets === undefined &&
        (await get().requestMissingSecrets(jobId, 'validate', (given) => get().startValidation(jobId, given)))
      ) {
        return
      }
      const validationId = newRunId()
      patch(jobId, { runningId: validationId, progress: null, error: null })
      // The dialog closes as the validation starts: its progress shows on the page, not behind the dialog.
      if (secrets !== undefined) get().cancelSecretRequest(jobId)
      try {
        const result = await call('job:validate', { id: jobId, validationId, ...(secrets ? { secrets } : {}) })
        patch(jobId, { last: result, runningId: null })
      } catch (error) {
        patch(jobId, { runningId: null, error: describeProblem(error) })
      }
    },
    cancelValidation: async (jobId) => {
      const runningId = get().validations[jobId]?.runningId
      if (runningId) await call('validation:cancel', { validationId: runningId }).catch(() => undefined)
    },
    receiveValidationProgress: (p) => {
      if (get().validations[p.jobId]?.runningId === p.validationId) patch(p.jobId, { progress: p })
    },
    receiveValidationFinished: (result) => patch(result.jobId, { last: result }),
  }
}
