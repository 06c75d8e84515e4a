import { useEffect, useState } from 'react'
import type { BlockedDdl, JobDetail } from '../../../../shared/domain/job'
import { call } from '../../api'

/** "ALTER …; CREATE …" or one per line: the statements to run in place of the DDL. */
function splitStatements(text: string): string[] {
  return text
    .split(/;\s*(?:\n|$)|\n(?=\s*(?:ALTER|CREATE|DROP|RENAME|TRUNCATE)\b)/i)
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}

/**
 * A job stopped by a replicated DDL the target refused (or that has no faithful form there): the statement, and the
 * DBA's choice — skip it, or run other statements in its place — applied when the job resumes.
 */
export function BlockedDdlPanel({ job }: { job: JobDetail }) {
  const [blocked, setBlocked] = useState<BlockedDdl | null>(null)
  const [replacement, setReplacement] = useState('')
  const [error, setError] = useState<string | null>(null)
  const stopped = job.status === 'failed' || job.status === 'paused'

  useEffect(() => {
    if (!stopped) return setBlocked(null)
    let current = true
    void call('job:blockedDdl', { id: job.id }).then((b) => current && setBlocked(b))
    return () => {
      current = false
    }
  }, [job.id, job.status, job.lastError?.code, stopped])

  if (!stopped || !blocked) return null
  const decide = async (action: 'skip' | 'replace') => {
    setError(null)
    try {
      setBlocked(
        await call('job:resolveDdl', {
          id: job.id,
          action,
          statements: action === 'replace' ? splitStatements(replacement) : undefined,
        }),
      )
    } catch (e) {
      setError((e as Error).message)
    }
  }
  return (
    <section className="card blocked-ddl" aria-labelledby="blocked-ddl-title" data-testid="blocked-ddl">
      <h2 id="blocked-ddl-title">DDL that stopped the job</h2>
      <p>
        At {blocked.at.file}:{blocked.at.position} the source ran:
      </p>
      <pre className="mono">{blocked.statement}</pre>
      {blocked.action ? (
        <p role="status" data-testid="blocked-ddl-decision">
          {blocked.action === 'skip'
            ? 'Decided: it is skipped when the job resumes.'
            : `Decided: replaced by ${blocked.replacement.length} statement${blocked.replacement.length === 1 ? '' : 's'} when the job resumes.`}{' '}
          Resume the job to apply it.
        </p>
      ) : (
        <>
          <p>
            Skip it when the target needs nothing from it, or give the statements the target should run in its place
            (they run at exactly this point of the binlog when the job resumes).
          </p>
          <div className="field">
            <label htmlFor="blocked-ddl-replacement">Statements to run instead (one per line, or separated by ;)</label>
            <textarea
              id="blocked-ddl-replacement"
              rows={3}
              value={replacement}
              onChange={(e) => setReplacement(e.target.value)}
              className="mono"
              spellCheck={false}
            />
          </div>
          <div className="button-row">
            <button type="button" className="button secondary" onClick={() => void decide('skip')}>
              Skip this DDL
            </button>
            <button
              type="button"
              className="button primary"
              disabled={splitStatements(replacement).length === 0}
              onClick={() => void decide('replace')}
            >
              Replace with these statements
            </button>
          </div>
        </>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </section>
  )
}
