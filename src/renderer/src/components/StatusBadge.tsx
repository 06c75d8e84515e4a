import type { JobStatus } from '../../../shared/domain/job'

const labels: Record<JobStatus, string> = {
  created: 'Created',
  running: 'Running',
  paused: 'Paused',
  failed: 'Failed',
  finished: 'Finished',
  interrupted: 'Interrupted',
  cutover: 'Cut over',
}

export function StatusBadge({ status }: { status: JobStatus }) {
  return (
    <span className={`badge badge-${status}`}>
      <span className="badge-dot" aria-hidden="true" />
      {labels[status]}
    </span>
  )
}
