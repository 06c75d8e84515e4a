/**
 * Runs the alert rules in the process that owns jobs (the app's main, `cutover serve`): on a timer and at once
 * when a job's status changes, over the jobs, their lag and the settings in the store and the lag the jobs' progress
 * reports.
 * What is raised or cleared goes out as `job:alert`.
 */
import type { JobAlert } from '../../../shared/domain/events'
import type { JobStore } from '../../store/jobStore'
import type { EngineEvents } from '../engineEvents'
import { createAlertRules } from './alertRules'

/** Alerts are about hours and minutes; half a minute late is on time. */
export const alertIntervalMs = 30_000

export interface AlertWatch {
  evaluate(): void
  active(): JobAlert[]
  stop(): void
}

export function watchAlerts(options: {
  store: JobStore
  events: EngineEvents
  now?: () => number
  intervalMs?: number
}): AlertWatch {
  const { store, events } = options
  const rules = createAlertRules(options.now ?? Date.now)

  function evaluate(): void {
    const stored = store.listJobs()
    // The lag a running job writes to the store every second: a job another process runs (a terminal's
    // `cutover run`) has no progress events here, and for a job of this process it is the same figure.
    for (const j of stored) if (j.status === 'running') rules.recordLag(j.id, j.lagSeconds)
    const jobs = stored.map((j) => ({ id: j.id, name: j.name, status: j.status, statusSince: j.statusSince }))
    for (const change of rules.evaluate(jobs, store.getSettings().alerts)) events.emit('job:alert', change)
  }
  const evaluateQuietly = () => {
    try {
      evaluate()
    } catch {
      // A busy or closed store: the next tick tries again.
    }
  }

  const unsubscribe = events.subscribe((channel, payload) => {
    if (channel === 'job:progress') {
      const progress = payload as { jobId: string; lagSeconds: number | null }
      rules.recordLag(progress.jobId, progress.lagSeconds)
    }
    if (channel === 'job:stageChanged') evaluateQuietly()
  })
  const timer = setInterval(evaluateQuietly, options.intervalMs ?? alertIntervalMs)
  timer.unref()

  return {
    evaluate,
    active: () => rules.active(),
    stop() {
      clearInterval(timer)
      unsubscribe()
    },
  }
}
