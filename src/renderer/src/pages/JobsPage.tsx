import { useEffect } from 'react'
import { AlertBanner, KeepAwakeNote } from '../components/AlertBanner'
import { JobActions } from '../components/JobActions'
import { ProblemBox } from '../components/ProblemBox'
import { StatusBadge } from '../components/StatusBadge'
import { useStore } from '../stores/store'
import { formatLag, formatTime } from '../units'

export const typeLabels = {
  existing: 'Existing data',
  incremental: 'Incremental',
  both: 'Existing + incremental',
} as const
export const stageLabels = {
  precheck: 'Precheck',
  schema: 'Schema',
  existing: 'Existing data',
  incremental: 'Incremental',
} as const

function EmptyState() {
  const note = useStore((s) => s.info?.secretsNote)
  const navigate = useStore((s) => s.navigate)
  return (
    <section className="empty-state" aria-labelledby="empty-title">
      <h2 id="empty-title">Move a MySQL database into TiDB with minutes of downtime</h2>
      <p>
        Cutover copies a consistent snapshot of your existing data, then replays the source&apos;s binlog until the
        target has caught up — all from this machine, inside your network.
      </p>
      <ol className="steps">
        <li>Connect the source and the target</li>
        <li>Choose the migration type and the objects</li>
        <li>Precheck: every item passes, or tells you the exact fix</li>
        <li>Start, watch progress and lag, cut over</li>
      </ol>
      <button type="button" className="button primary" onClick={() => navigate({ page: 'create' })}>
        Create migration job
      </button>
      {note && <p className="muted small-print">{note}</p>}
    </section>
  )
}

export function JobsPage() {
  const jobs = useStore((s) => s.jobs)
  const loaded = useStore((s) => s.jobsLoaded)
  const error = useStore((s) => s.jobsError)
  const actionErrors = useStore((s) => s.actionErrors)
  const loadJobs = useStore((s) => s.loadJobs)
  const navigate = useStore((s) => s.navigate)
  const working = useStore(
    (s) => s.jobs.some((j) => j.status === 'running') || Object.values(s.validations).some((v) => v?.runningId),
  )

  useEffect(() => {
    void loadJobs()
    void useStore.getState().loadAlerts()
  }, [loadJobs])

  return (
    <main className="page" aria-labelledby="jobs-title">
      <div className="page-title">
        <h1 id="jobs-title">Migration jobs</h1>
        {jobs.length > 0 && (
          <button type="button" className="button primary" onClick={() => navigate({ page: 'create' })}>
            Create migration job
          </button>
        )}
      </div>
      <AlertBanner />
      {working && <KeepAwakeNote />}
      {error && <ProblemBox problem={error} />}
      {!loaded ? (
        <p className="muted">Loading…</p>
      ) : jobs.length === 0 ? (
        <EmptyState />
      ) : (
        <div className="table-wrap">
          <table className="table jobs-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Source → target</th>
                <th scope="col">Type</th>
                <th scope="col">Mode</th>
                <th scope="col">Stage</th>
                <th scope="col">Status</th>
                <th scope="col">Lag</th>
                <th scope="col">Started</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {jobs.map((job) => {
                const problem = actionErrors[job.id]
                return (
                  <tr key={job.id} data-job={job.name}>
                    <td>
                      <button
                        type="button"
                        className="link-button strong job-name"
                        onClick={() => navigate({ page: 'job', id: job.id })}
                      >
                        {job.name}
                      </button>
                      {problem && (
                        <div className="row-error" role="alert">
                          {problem.message}
                        </div>
                      )}
                    </td>
                    <td className="mono endpoints">
                      <span>{job.source}</span>
                      <span className="arrow" aria-label="to">
                        →
                      </span>
                      <span>{job.target}</span>
                    </td>
                    <td>{typeLabels[job.type]}</td>
                    <td className="capitalize">{job.mode}</td>
                    <td>{job.stage ? stageLabels[job.stage] : '—'}</td>
                    <td>
                      <StatusBadge status={job.status} />
                    </td>
                    <td className="num">{formatLag(job.lagSeconds)}</td>
                    <td className="nowrap started">{formatTime(job.startedAt)}</td>
                    <td className="actions-cell">
                      <JobActions id={job.id} name={job.name} status={job.status} compact />
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
    </main>
  )
}
