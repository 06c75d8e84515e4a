import type { JobStatusReport } from '../../../../shared/domain/job'
import { formatBytes, formatCount, formatLag } from '../../units'
import { useLiveProgress } from './useLiveProgress'

/** The binlog side of a job: how far behind the target is and where replication has applied up to. */
export function IncrementalPanel({ report }: { report: JobStatusReport }) {
  const job = report.job
  const live = useLiveProgress(job.id)
  const replicating = job.stage === 'incremental'
  const current = live?.stage === 'incremental' && job.status === 'running' ? live : undefined
  const lag = current?.lagSeconds ?? job.lagSeconds
  const caughtUp = current !== undefined && current.lagSeconds === 0 && current.lagBytes === 0
  const applied = report.positions.applied
  return (
    <section className="card" aria-labelledby="incremental-title">
      <div className="card-head">
        <h3 id="incremental-title">Incremental replication</h3>
        {replicating && job.status === 'running' && (
          <span className={`count ${caughtUp ? 'count-pass' : 'count-warning'}`} data-testid="caught-up">
            {caughtUp ? 'Caught up' : 'Catching up'}
          </span>
        )}
      </div>
      {!replicating ? (
        <p className="muted">Replication starts from the snapshot position once the existing data is copied.</p>
      ) : (
        <div className="stats">
          <div className="stat">
            <span className="stat-label">Lag</span>
            <span className="stat-value" data-testid="lag">
              {formatLag(lag)}
            </span>
          </div>
          <div className="stat">
            <span className="stat-label">Binlog behind</span>
            <span className="stat-value">{current?.lagBytes == null ? '—' : formatBytes(current.lagBytes)}</span>
          </div>
          <div className="stat">
            <span className="stat-label">Rows applied</span>
            <span className="stat-value">{current ? `${formatCount(current.rowsPerSecond)} /s` : '—'}</span>
          </div>
          <div className="stat wide">
            <span className="stat-label">Applied position</span>
            <span className="stat-value mono">
              {applied ? `${applied.file}:${applied.position}` : '—'}
              {applied?.gtidSet && <span className="muted"> · GTID {applied.gtidSet}</span>}
            </span>
          </div>
        </div>
      )}
    </section>
  )
}
