import { rowKeyText } from '../../../../shared/domain/validation'
import { useEffect } from 'react'
import type { JobDetail } from '../../../../shared/domain/job'
import type {
  ContinuousValidationStatus,
  TableValidation,
  ValidationResult,
} from '../../../../shared/domain/validation'
import { CopyButton } from '../../components/CopyButton'
import { ProblemBox } from '../../components/ProblemBox'
import { useStore } from '../../stores/store'
import { formatCount, formatTime } from '../../units'

const statusText: Record<TableValidation['status'], string> = {
  equal: 'Equal',
  different: 'Different',
  missing: 'Missing on target',
  unsettled: 'Unsettled',
  failed: 'Not compared',
}

function tableState(t: TableValidation): string {
  if (t.status !== 'different') return statusText[t.status]
  const rows = t.missing + t.extra + t.different
  return rows > 0 ? `${formatCount(rows)} differences` : 'Different'
}

function ResultView({ result }: { result: ValidationResult }) {
  const equal = result.tables.filter((t) => t.status === 'equal').length
  const tone =
    result.status === 'equal' ? 'count-pass' : result.status === 'different' ? 'count-failed' : 'count-warning'
  return (
    <div className="validation-result" data-testid="validation-result">
      <p className="precheck-summary">
        <span className={`count ${tone}`} data-testid="validation-status">
          {result.status === 'equal'
            ? 'Equal'
            : result.status === 'different'
              ? 'Differences found'
              : result.status === 'cancelled'
                ? 'Cancelled'
                : 'Failed'}
        </span>
        <span>
          {equal} of {result.tables.length} tables equal · {formatCount(result.rowsCompared)} rows at{' '}
          {formatCount(result.rowsPerSecond)} rows/s · {formatTime(result.finishedAt ?? result.startedAt)}
          {result.whileReplicating ? ' · while replicating (differences re-checked)' : ''}
        </span>
      </p>
      {result.error && <ProblemBox problem={result.error} />}
      {result.repairSqlPath && (
        <p className="repair-sql">
          <span>
            Repair SQL (review it, then run it on the target; Cutover never runs it):{' '}
            <span className="mono" data-testid="repair-sql-path">
              {result.repairSqlPath}
            </span>
          </span>{' '}
          <CopyButton text={result.repairSqlPath} label="Copy path" />
        </p>
      )}
      {result.tables.length > 0 && (
        <div className="table-wrap">
          <table className="table compact" aria-label="Validation by table">
            <thead>
              <tr>
                <th>Table</th>
                <th>Result</th>
                <th>Rows (source / target)</th>
                <th>Method</th>
              </tr>
            </thead>
            <tbody>
              {result.tables.map((t) => (
                <tr key={t.table}>
                  <td className="mono">
                    {t.table}
                    {t.notes.map((note) => (
                      <div key={note} className="muted small">
                        {note}
                      </div>
                    ))}
                    {t.differences.slice(0, 5).map((d) => (
                      <div key={`${d.kind}${JSON.stringify(d.key)}`} className="small">
                        {d.kind} {rowKeyText(d.key)}
                        {d.columns.length > 0 ? ` (${d.columns.join(', ')})` : ''}
                      </div>
                    ))}
                  </td>
                  <td>
                    <span
                      className={`count ${t.status === 'equal' ? 'count-pass' : t.status === 'unsettled' || t.status === 'failed' ? 'count-warning' : 'count-failed'}`}
                    >
                      {tableState(t)}
                    </span>
                  </td>
                  <td>
                    {formatCount(t.sourceRows)} / {formatCount(t.targetRows)}
                  </td>
                  <td>
                    {t.method === 'chunks' ? `${t.chunks} ${t.chunks === 1 ? 'chunk' : 'chunks'}` : 'whole table'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  )
}

const kindText: Record<ContinuousValidationStatus['failedRows'][number]['kind'], string> = {
  missing: 'Missing on the target',
  extra: 'On the target only',
  different: 'Different',
}

/** The rows replication changed, compared again in the background (spec continuousValidation). */
function ContinuousView({ status }: { status: ContinuousValidationStatus | null }) {
  return (
    <div className="continuous-validation" data-testid="continuous-validation">
      <h4>Changed rows, compared continuously</h4>
      {!status ? (
        <p className="muted">Rows are compared once the job replicates its first changes.</p>
      ) : (
        <>
          <p className="precheck-summary">
            <span
              className={`count ${status.failed > 0 ? 'count-failed' : 'count-pass'}`}
              data-testid="continuous-failed"
            >
              {status.failed > 0
                ? `${formatCount(status.failed)} ${status.failed === 1 ? 'row differs' : 'rows differ'}`
                : 'No difference'}
            </span>
            <span data-testid="continuous-counts">
              {formatCount(status.pending)} changed {status.pending === 1 ? 'row' : 'rows'} waiting ·{' '}
              {formatCount(status.checked)} compared equal · updated {formatTime(status.updatedAt)}
            </span>
          </p>
          {status.notFollowed.map((n) => (
            <p key={`${n.table}${n.reason}`} className="muted small">
              {n.table}: {formatCount(n.rows)} changed {n.rows === 1 ? 'row' : 'rows'} not followed ({n.reason}).
              Validate the table to cover {n.rows === 1 ? 'it' : 'them'}.
            </p>
          ))}
          {status.failedRows.length > 0 && (
            <div className="table-wrap">
              <table className="table compact" aria-label="Rows that differ">
                <thead>
                  <tr>
                    <th>Table</th>
                    <th>Row</th>
                    <th>Difference</th>
                    <th>Found</th>
                  </tr>
                </thead>
                <tbody>
                  {status.failedRows.map((r) => (
                    <tr key={`${r.table}${JSON.stringify(r.key)}`}>
                      <td className="mono">{r.table}</td>
                      <td className="mono">{rowKeyText(r.key)}</td>
                      <td>
                        {kindText[r.kind]}
                        {r.columns.length > 0 ? ` (${r.columns.join(', ')})` : ''}
                      </td>
                      <td>{formatTime(r.foundAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {status.failed > 0 && (
            <p className="muted small">
              A row leaves this list once source and target hold it equal again (a repair on the target, or a later
              change). Validate the table for the repair SQL.
            </p>
          )}
        </>
      )}
    </div>
  )
}

/** Compares the job's tables between source and target on demand, with progress, cancel and the last result. */
export function ValidationPanel({ job }: { job: JobDetail }) {
  const validation = useStore((s) => s.validations[job.id])
  const loadValidation = useStore((s) => s.loadValidation)
  const startValidation = useStore((s) => s.startValidation)
  const cancelValidation = useStore((s) => s.cancelValidation)
  useEffect(() => {
    void loadValidation(job.id)
  }, [job.id, loadValidation])

  const continuous = useStore((s) => (s.report?.job.id === job.id ? s.report.continuousValidation : null))
  const ready = job.status === 'finished' || job.stage === 'incremental'
  const running = Boolean(validation?.runningId)
  const progress = validation?.progress ?? null
  const percent =
    progress && progress.chunksTotal > 0 ? Math.min(100, (progress.chunksDone / progress.chunksTotal) * 100) : 0
  return (
    <section className="card" aria-labelledby="validation-title">
      <div className="card-head">
        <h3 id="validation-title">Validation</h3>
        <div className="button-row">
          {running ? (
            <button type="button" className="button ghost small" onClick={() => void cancelValidation(job.id)}>
              Cancel
            </button>
          ) : (
            <button
              type="button"
              className="button secondary small"
              disabled={!ready}
              onClick={() => void startValidation(job.id)}
            >
              Validate
            </button>
          )}
        </div>
      </div>
      {!ready && <p className="muted">Validation compares source and target once the existing data is copied.</p>}
      {running && (
        <div className="validation-progress" data-testid="validation-progress">
          <div
            className="progress large"
            role="progressbar"
            aria-label="Validation progress"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(percent)}
          >
            <span className="progress-fill" style={{ width: `${percent}%` }} />
          </div>
          <p className="muted">
            {progress
              ? `${progress.tablesDone} of ${progress.tablesTotal} tables · ${progress.chunksDone} of ${progress.chunksTotal} chunks · ${formatCount(progress.rowsPerSecond)} rows/s${progress.differences > 0 ? ` · ${progress.differences} differences so far` : ''}${progress.table ? ` · ${progress.table}` : ''}`
              : 'Connecting and planning the chunks…'}
          </p>
        </div>
      )}
      {validation?.error && <ProblemBox problem={validation.error} title="Validation could not run" />}
      {!running && validation?.last && validation.last.status !== 'running' && <ResultView result={validation.last} />}
      {!running && ready && !validation?.last && <p className="muted">Not validated yet.</p>}
      {(job.config.spec.continuousValidation || continuous) && <ContinuousView status={continuous} />}
    </section>
  )
}
