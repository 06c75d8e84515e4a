import type { JobAlert } from '../../../shared/domain/events'
import { useStore } from '../stores/store'
import { formatDuration, formatLag, formatTime } from '../units'

const stoppedWords: Record<string, string> = {
  paused: 'has been paused',
  interrupted: 'has been interrupted',
  failed: 'has been stopped by a failure',
}

function headline(alert: JobAlert): string {
  const since = `since ${formatTime(alert.since)}`
  if (alert.kind === 'lagRising')
    return `${alert.jobName} is ${formatLag(alert.lagSeconds)} behind the source, rising ${since}`
  const hours = formatDuration((Date.now() - Date.parse(alert.since)) / 1000)
  return `${alert.jobName} ${stoppedWords[alert.status ?? ''] ?? 'has been stopped'} for ${hours} (${since})`
}

/** What to do, worded for where the banner is: the jobs list (open the job) or the job's own page. */
function advice(alert: JobAlert, onJobPage: boolean): string {
  if (alert.kind === 'lagRising') {
    return `The target or the network cannot keep up: ${onJobPage ? 'see the throughput and lag charts below' : 'open the job to see its throughput and lag'}.`
  }
  if (alert.status === 'failed') {
    return `${onJobPage ? 'The error below says why it failed' : 'Open the job to see why it failed'}; fix the cause, then restart it from its checkpoints.`
  }
  return 'Resume it when you are ready: it continues from its checkpoints, and the longer it waits, the more it has to catch up.'
}

/**
 * The alerts in force, at the top of the jobs list (every job) or of a job's page (`jobId`): which job, what, since
 * when, and the action — Resume a paused or interrupted job, open the job otherwise (not on its own page).
 */
export function AlertBanner({ jobId }: { jobId?: string }) {
  const all = useStore((s) => s.alerts)
  const busy = useStore((s) => s.busyJobs)
  const runJobAction = useStore((s) => s.runJobAction)
  const navigate = useStore((s) => s.navigate)
  const alerts = all.filter((a) => jobId === undefined || a.jobId === jobId)
  if (alerts.length === 0) return null
  return (
    <section className="alerts" aria-label="Alerts">
      {alerts.map((alert) => {
        const resumable = alert.kind === 'stopped' && (alert.status === 'paused' || alert.status === 'interrupted')
        return (
          <div
            key={`${alert.jobId}-${alert.kind}`}
            className={`alert alert-${alert.kind}`}
            role="alert"
            data-alert={alert.kind}
          >
            <div className="alert-text">
              <strong>{headline(alert)}</strong>
              <p>{advice(alert, jobId !== undefined)}</p>
            </div>
            <div className="button-row alert-actions">
              {resumable && (
                <button
                  type="button"
                  className="button secondary small"
                  disabled={busy[alert.jobId] !== undefined}
                  aria-label={`Resume ${alert.jobName}`}
                  onClick={() => void runJobAction(alert.jobId, 'resume')}
                >
                  Resume
                </button>
              )}
              {jobId === undefined && (
                <button
                  type="button"
                  className="button ghost small"
                  onClick={() => navigate({ page: 'job', id: alert.jobId })}
                >
                  Open job
                </button>
              )}
            </div>
          </div>
        )
      })}
    </section>
  )
}

/**
 * Said where running work is shown: the desktop app keeps the machine awake under it (a sleeping laptop drops the
 * binlog connection); the browser bridge cannot, so it says what to do instead.
 */
export function KeepAwakeNote() {
  const host = useStore((s) => s.info?.host)
  if (!host) return null
  return (
    <p className="keep-awake muted" data-testid="keep-awake">
      {host === 'electron'
        ? 'Keeping this computer awake while jobs or validations run.'
        : 'The browser bridge cannot keep this computer awake: while jobs or validations run, stop it from sleeping in its power settings.'}
    </p>
  )
}
