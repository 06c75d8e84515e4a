import type { StateCreator } from 'zustand'
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
  startValidation: (jobId: string) => Promise<void>
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
    startValidation: async (jobId) => {
      if (get().validations[jobId]?.runningId) return
      const validationId = newRunId()
      patch(jobId, { runningId: validationId, progress: null, error: null })
      try {
        const result = await call('job:validate', { id: jobId, validationId })
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
