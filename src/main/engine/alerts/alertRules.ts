/**
 * The alert rules, pure over facts and a clock: a job stopped (paused, failed, interrupted) for longer than
 * `stoppedMinutes`, measured from the status time the store keeps (so a restart of the app does not reset it);
 * lag above `lagSeconds` that kept rising for `lagRisingMinutes`, measured over the lag the job's progress reports.
 * Each alert is raised once per episode and cleared when its condition ends.
 */
import type { JobAlert, JobAlertEvent } from '../../../shared/domain/events'
import type { JobStatus } from '../../../shared/domain/job'
import type { AlertSettings } from '../../../shared/domain/settings'
import { minutesText, secondsText } from '../../../shared/domain/settings'

/** What the rules read of a job (from the store). */
export interface JobFacts {
  id: string
  name: string
  status: JobStatus
  /** ISO time the job entered `status`. */
  statusSince: string
}

interface LagSample {
  at: number
  lag: number
}

export interface AlertRules {
  /** A lag the job's progress reported now; null (not replicating yet) is ignored. */
  recordLag(jobId: string, lagSeconds: number | null): void
  /** Applies the rules to `jobs` (every job there is); returns what was raised and cleared since the last call. */
  evaluate(jobs: JobFacts[], settings: AlertSettings): JobAlertEvent[]
  /** The alerts in force after the last `evaluate`. */
  active(): JobAlert[]
}

const stoppedStatuses: ReadonlySet<JobStatus> = new Set(['paused', 'failed', 'interrupted'])
/** Progress comes several times a second; one sample a second is plenty for a window of minutes. */
const sampleEveryMs = 1000

export function createAlertRules(now: () => number): AlertRules {
  const samples = new Map<string, LagSample[]>()
  const alerts = new Map<string, JobAlert>()
  const key = (jobId: string, kind: JobAlert['kind']) => `${jobId}:${kind}`

  function stoppedAlert(job: JobFacts, settings: AlertSettings): JobAlert | null {
    if (!stoppedStatuses.has(job.status)) return null
    const since = Date.parse(job.statusSince)
    if (!Number.isFinite(since) || now() - since < settings.stoppedMinutes * 60_000) return null
    const action = job.status === 'failed' ? 'open it to see why, then resume it' : 'resume it'
    return {
      jobId: job.id,
      jobName: job.name,
      kind: 'stopped',
      since: new Date(since).toISOString(),
      status: job.status,
      lagSeconds: null,
      message: `${job.name} has been ${job.status} for more than ${minutesText(settings.stoppedMinutes)}: ${action}.`,
    }
  }

  /**
   * Raised when every sample of the last `lagRisingMinutes` is above `lagSeconds` and the latest is higher than the
   * one at the window's start; once raised, it holds until the lag is at or below the threshold or lower than it was
   * a window ago (a plateau above the threshold keeps it: the job is not catching up).
   */
  function lagAlert(job: JobFacts, settings: AlertSettings, raised: JobAlert | undefined): JobAlert | null {
    const list = samples.get(job.id)
    if (job.status !== 'running' || !list || list.length === 0) return null
    const windowStart = now() - settings.lagRisingMinutes * 60_000
    const latest = list[list.length - 1]!
    let anchor = -1
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i]!.at <= windowStart) {
        anchor = i
        break
      }
    }
    if (anchor < 0 || latest.lag <= settings.lagSeconds) return null
    const start = list[anchor]!
    if (raised)
      return latest.lag < start.lag
        ? null
        : { ...raised, lagSeconds: latest.lag, message: lagMessage(job, latest.lag, settings) }
    if (latest.lag <= start.lag || list.slice(anchor).some((s) => s.lag <= settings.lagSeconds)) return null
    // Since when the lag has been above the threshold without a break.
    let first = anchor
    while (first > 0 && list[first - 1]!.lag > settings.lagSeconds) first--
    return {
      jobId: job.id,
      jobName: job.name,
      kind: 'lagRising',
      since: new Date(list[first]!.at).toISOString(),
      status: job.status,
      lagSeconds: latest.lag,
      message: lagMessage(job, latest.lag, settings),
    }
  }

  function lagMessage(job: JobFacts, lag: number, settings: AlertSettings): string {
    return `${job.name} is ${secondsText(lag)} behind the source and the lag has kept rising for ${minutesText(settings.lagRisingMinutes)} (alert above ${secondsText(settings.lagSeconds)}): the target or the network cannot keep up; open the job to see its throughput.`
  }

  /** Keeps the samples of the window plus the one just before it (the window's start). */
  function prune(jobId: string, keepMs: number): void {
    const list = samples.get(jobId)
    if (!list) return
    const from = now() - keepMs
    let drop = 0
    while (drop + 1 < list.length && list[drop + 1]!.at <= from) drop++
    if (drop > 0) list.splice(0, drop)
  }

  return {
    recordLag(jobId, lagSeconds) {
      if (lagSeconds === null || !Number.isFinite(lagSeconds)) return
      const list = samples.get(jobId) ?? []
      const at = now()
      const last = list[list.length - 1]
      if (last && at - last.at < sampleEveryMs) last.lag = Math.max(last.lag, lagSeconds)
      else list.push({ at, lag: lagSeconds })
      samples.set(jobId, list)
    },

    evaluate(jobs, settings) {
      const changes: JobAlertEvent[] = []
      const seen = new Set<string>()
      for (const job of jobs) {
        if (job.status !== 'running') samples.delete(job.id)
        else prune(job.id, settings.lagRisingMinutes * 60_000)
        for (const kind of ['stopped', 'lagRising'] as const) {
          const id = key(job.id, kind)
          seen.add(id)
          const raised = alerts.get(id)
          const next = kind === 'stopped' ? stoppedAlert(job, settings) : lagAlert(job, settings, raised)
          if (raised && (!next || next.since !== raised.since)) {
            alerts.delete(id)
            changes.push({ state: 'cleared', alert: raised })
          }
          if (next && (!raised || next.since !== raised.since)) changes.push({ state: 'raised', alert: next })
          if (next) alerts.set(id, next)
        }
      }
      // A deleted job's alerts end with it.
      for (const [id, alert] of alerts) {
        if (seen.has(id)) continue
        alerts.delete(id)
        samples.delete(alert.jobId)
        changes.push({ state: 'cleared', alert })
      }
      for (const jobId of samples.keys()) if (!jobs.some((j) => j.id === jobId)) samples.delete(jobId)
      return changes
    },

    active() {
      return [...alerts.values()]
    },
  }
}
