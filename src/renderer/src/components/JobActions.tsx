import { useState } from 'react'
import type { JobStatus } from '../../../shared/domain/job'
import type { JobAction } from '../stores/jobsSlice'
import { useStore } from '../stores/store'
import { Dialog } from './Dialog'
import { SecretsDialog } from './SecretsDialog'

/**
 * What each status allows, as in the console: pause a running job, resume a paused one, restart a failed one; an
 * interrupted job (its process stopped while it ran) resumes from its checkpoints like a paused one. A job cut over
 * has ended: only Delete is left.
 */
const allowed: Record<JobStatus, JobAction[]> = {
  created: ['start'],
  running: ['pause'],
  paused: ['resume'],
  failed: ['restart'],
  finished: [],
  interrupted: ['resume'],
  cutover: [],
}
const labels: Record<JobAction, string> = { start: 'Start', pause: 'Pause', resume: 'Resume', restart: 'Restart' }

export interface JobActionsProps {
  id: string
  name: string
  status: JobStatus
  compact?: boolean
  onDeleted?: () => void
}

export function JobActions({ id, name, status, compact, onDeleted }: JobActionsProps) {
  const busy = useStore((s) => s.busyJobs[id])
  const runJobAction = useStore((s) => s.runJobAction)
  const deleteJob = useStore((s) => s.deleteJob)
  const [confirming, setConfirming] = useState(false)
  const size = compact ? 'small' : ''

  return (
    <div className="button-row">
      {allowed[status].map((action) => (
        <button
          key={action}
          type="button"
          className={`button ${action === 'pause' ? 'ghost' : 'secondary'} ${size}`}
          disabled={busy !== undefined}
          aria-label={compact ? `${labels[action]} ${name}` : undefined}
          onClick={() => void runJobAction(id, action)}
        >
          {busy === action ? `${labels[action]}…` : labels[action]}
        </button>
      ))}
      <button
        type="button"
        className={`button danger-ghost ${size}`}
        disabled={busy !== undefined}
        aria-label={compact ? `Delete ${name}` : undefined}
        onClick={() => setConfirming(true)}
      >
        Delete
      </button>
      <SecretsDialog id={id} name={name} />
      <Dialog
        title={`Delete the job “${name}”?`}
        open={confirming}
        tone="danger"
        onClose={() => setConfirming(false)}
        footer={
          <>
            <button type="button" className="button ghost" autoFocus onClick={() => setConfirming(false)}>
              Cancel
            </button>
            <button
              type="button"
              className="button danger"
              disabled={busy === 'delete'}
              onClick={() =>
                void deleteJob(id).then((ok) => {
                  setConfirming(false)
                  if (ok) onDeleted?.()
                })
              }
            >
              {busy === 'delete' ? 'Deleting…' : 'Delete job'}
            </button>
          </>
        }
      >
        <p>
          This cannot be undone. {status === 'running' ? 'The job is stopped first. ' : ''}Its configuration, stored passwords, checkpoints and
          event log are removed from this machine.
        </p>
        <p className="muted">Data already copied to the target stays there.</p>
      </Dialog>
    </div>
  )
}
