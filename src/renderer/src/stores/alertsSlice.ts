import type { StateCreator } from 'zustand'
import type { JobAlert, JobAlertEvent } from '../../../shared/domain/events'
import type { AppSettings } from '../../../shared/domain/settings'
import { call } from '../api'
import { describeProblem, type ProblemText } from './jobsSlice'
import type { Store } from './store'

/** The alerts in force (from `alert:list`, then `job:alert` events) and the app settings that set their thresholds. */
export interface AlertsSlice {
  alerts: JobAlert[]
  settings: AppSettings | null
  settingsError: ProblemText | null
  loadAlerts: () => Promise<void>
  receiveAlert: (event: JobAlertEvent) => void
  loadSettings: () => Promise<void>
  saveSettings: (settings: AppSettings) => Promise<boolean>
}

const sameAlert = (a: JobAlert, b: JobAlert) => a.jobId === b.jobId && a.kind === b.kind

export const createAlertsSlice: StateCreator<Store, [], [], AlertsSlice> = (set) => ({
  alerts: [],
  settings: null,
  settingsError: null,
  loadAlerts: async () => {
    try {
      set({ alerts: await call('alert:list', {}) })
    } catch {
      // The next `job:alert` event or page load brings them.
    }
  },
  receiveAlert: ({ state, alert }) =>
    set((s) => {
      const others = s.alerts.filter((a) => !sameAlert(a, alert))
      return { alerts: state === 'raised' ? [...others, alert] : others }
    }),
  loadSettings: async () => {
    try {
      set({ settings: await call('settings:get', {}), settingsError: null })
    } catch (error) {
      set({ settingsError: describeProblem(error) })
    }
  },
  saveSettings: async (settings) => {
    try {
      set({ settings: await call('settings:set', { settings }), settingsError: null })
      return true
    } catch (error) {
      set({ settingsError: describeProblem(error) })
      return false
    }
  },
})
