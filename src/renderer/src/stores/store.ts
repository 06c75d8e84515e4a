/** One bound store made of slices; components read it through narrow selectors. */
import { create } from 'zustand'
import type { AlertsSlice } from './alertsSlice'
import { createAlertsSlice } from './alertsSlice'
import type { AppSlice } from './appSlice'
import { createAppSlice } from './appSlice'
import type { CutoverSlice } from './cutoverSlice'
import { createCutoverSlice } from './cutoverSlice'
import type { JobDetailSlice } from './jobDetailSlice'
import { createJobDetailSlice } from './jobDetailSlice'
import type { JobsSlice } from './jobsSlice'
import { createJobsSlice } from './jobsSlice'
import type { ProgressSlice } from './progressSlice'
import { createProgressSlice } from './progressSlice'
import type { ValidationSlice } from './validationSlice'
import { createValidationSlice } from './validationSlice'
import type { WizardSlice } from './wizardSlice'
import { createWizardSlice } from './wizardSlice'

export type Store = AppSlice &
  AlertsSlice &
  JobsSlice &
  JobDetailSlice &
  ProgressSlice &
  ValidationSlice &
  CutoverSlice &
  WizardSlice

export const useStore = create<Store>()((...a) => ({
  ...createAppSlice(...a),
  ...createAlertsSlice(...a),
  ...createJobsSlice(...a),
  ...createJobDetailSlice(...a),
  ...createProgressSlice(...a),
  ...createValidationSlice(...a),
  ...createCutoverSlice(...a),
  ...createWizardSlice(...a),
}))
