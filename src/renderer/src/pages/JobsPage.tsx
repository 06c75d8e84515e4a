import { useEffect } from 'react'
import { subscribe } from '../api'
import { StatusBadge } from '../components/StatusBadge'
import { useStore } from '../stores/store'

const typeLabels = { existing: 'Existing data', incremental: 'Incremental', both: 'Existing + incremental' } as const

function EmptyState() {
  const note = useStore((s) => s.info?.secretsNote)
  return (
    <section className="empty-state" aria-labelledby="empty-title">
      <h2 id="empty-title">Move a MySQL database into TiDB with minutes of downtime</h2>
      <p>
        Cutover copies a consistent snapshot of your existing data, then replays the source&apos;s binlog until
        the target has caught up — all from this machine, inside your network.
      </p>
      <ol className="steps">
        <li>Connect the source and the target</li>
        <li>Choose the migration type and the objects</li>
        <li>Precheck: every item passes, or tells you the exact fix</li>
        <li>Start, watch progress and lag, cut over</li>
      </ol>
      {note && <p className="muted">{note}</p>}
    </section>
  )
}

export function JobsPage() {
  const jobs = useStore((s) => s.jobs)
  const loaded = useStore((s) => s.jobsLoaded)
  const error = useStore((s) => s.jobsError)
  const loadJobs = useStore((s) => s.loadJobs)

  useEffect(() => {
    void loadJobs()
    return subscribe('jobs:changed', () => void loadJobs())
  }, [loadJobs])

  return (
    <main className="page" aria-labelledby="jobs-title">
      <div className="page-title">
        <h1 id="jobs-title">Migration jobs</h1>
      </div>
      {error && (
        <div className="alert" role="alert">
          <strong>{error.message}</strong> {error.workaround}
        </div>
      )}
      {!loaded ? (
        <p className="muted">Loading…</p>
      ) : jobs.length === 0 ? (
        <EmptyState />
      ) : (
        <table className="table">
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
            </tr>
          </thead>
          <tbody>
            {jobs.map((job) => (
              <tr key={job.id}>
                <td className="strong">{job.name}</td>
                <td className="mono">
                  {job.source} → {job.target}
                </td>
                <td>{typeLabels[job.type]}</td>
                <td>{job.mode}</td>
                <td>{job.stage ?? '—'}</td>
                <td>
                  <StatusBadge status={job.status} />
                </td>
                <td>{job.lagSeconds === null ? '—' : `${job.lagSeconds.toFixed(1)} s`}</td>
                <td>{job.startedAt ? new Date(job.startedAt).toLocaleString() : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  )
}
