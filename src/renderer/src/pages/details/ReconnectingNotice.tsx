import type { JobRetry } from '../../../../shared/domain/events'

/** "12:04:31": the clock time of an attempt, as the CLI's log line gives it. */
function clock(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  })
}

/** A running job that lost a server: when it tries again, and when it gives up. */
export function ReconnectingNotice({ retry }: { retry: JobRetry }) {
  return (
    <div className="reconnecting" role="status" aria-live="polite">
      <div className="problem-head">
        <strong>
          Reconnecting — next attempt at {clock(retry.nextAttemptAt)} (attempt {retry.attempt}, gives up at{' '}
          {clock(retry.givesUpAt)})
        </strong>
        <code className="problem-code">{retry.error.code}</code>
      </div>
      <p>
        Lost {retry.server}: {retry.error.message}
      </p>
      <p className="problem-fix">
        <span className="fix-label">Meanwhile</span> Committed work is kept; the job continues from its checkpoints once
        the server answers. If it does not, check the network path (VPN, Wi-Fi, firewall) to it.
      </p>
    </div>
  )
}
