import { useEffect, useState } from 'react'
import type {
  CutoverFreeze,
  CutoverProgress,
  CutoverRecord,
  CutoverValidationScope,
  JobBehind,
} from '../../../../shared/domain/cutover'
import type { JobDetail } from '../../../../shared/domain/job'
import { ProblemBox } from '../../components/ProblemBox'
import { useStore } from '../../stores/store'
import { formatCount, formatLag, formatTime } from '../../units'

const freezeChoices: { value: CutoverFreeze; label: string; detail: string }[] = [
  {
    value: 'manual',
    label: 'I stopped the writes',
    detail: 'The application is stopped or already points at the target. Cutover checks that the tables stay still.',
  },
  {
    value: 'read_only',
    label: 'Set the source read-only',
    detail:
      'Cutover runs SET GLOBAL read_only = ON on the source and leaves it on. Accounts with SUPER still write; the still check catches them.',
  },
  {
    value: 'lock',
    label: 'Hold a global read lock',
    detail:
      'Cutover holds FLUSH TABLES WITH READ LOCK until the cutover ends, then releases it: writes that waited run on the source and are not replicated.',
  },
]

const stepLabels: Record<CutoverProgress['step'], string> = {
  checking: 'Check readiness',
  freezing: 'Stop the writes',
  still: 'Tables stay still',
  applying: 'Target at the final position',
  validating: 'Final validation',
  recording: 'Stop the job, record the point',
  done: 'Cut over',
  failed: 'Failed',
}

export function formatBehind(behind: JobBehind | null): string {
  if (!behind || behind.bytes === null) return 'unknown'
  if (behind.bytes === 0) return 'nothing (the target has every change)'
  const size =
    behind.bytes < 1024 * 1024
      ? `${(behind.bytes / 1024).toFixed(1)} KiB`
      : `${(behind.bytes / 1024 / 1024).toFixed(1)} MiB`
  return `${size} of binlog${behind.seconds !== null ? `, changes up to ${formatLag(behind.seconds)} old` : ''}`
}

function RecordView({ record }: { record: CutoverRecord }) {
  const p = record.position
  return (
    <dl className="facts" data-testid="cutover-record">
      <div>
        <dt>Final position</dt>
        <dd className="mono">
          {p.file}:{p.position}
          {p.gtidSet ? ` · GTID ${p.gtidSet}` : ''}
        </dd>
      </div>
      <div>
        <dt>Cut over</dt>
        <dd>{formatTime(record.finishedAt)}</dd>
      </div>
      <div>
        <dt>Writes stopped</dt>
        <dd>
          {formatLag(record.freezeMs / 1000)} (
          {freezeChoices.find((c) => c.value === record.freeze)?.label ?? record.freeze})
        </dd>
      </div>
      <div>
        <dt>Final validation</dt>
        <dd>
          {record.validation.status} · {record.validation.tables} {record.validation.tables === 1 ? 'table' : 'tables'}
        </dd>
      </div>
      <div>
        <dt>Rows</dt>
        <dd>
          {formatCount(record.rowsCopied)} copied · {formatCount(record.rowsReplicated)}{' '}
          {record.rowsReplicated === 1 ? 'change' : 'changes'} replicated
        </dd>
      </div>
      {record.sourceReadOnly && (
        <div>
          <dt>Source</dt>
          <dd>read_only = ON (SET GLOBAL read_only = OFF undoes it)</dd>
        </div>
      )}
    </dl>
  )
}

/**
 * The cutover of a replicating job: what makes it ready (refreshed while the page is open), how the source's writes
 * stop, the final validation's scope, the steps as they run, and once cut over the recorded point.
 */
export function CutoverPanel({ job }: { job: JobDetail }) {
  const state = useStore((s) => s.cutovers[job.id])
  const loadReadiness = useStore((s) => s.loadReadiness)
  const loadCutoverRecord = useStore((s) => s.loadCutoverRecord)
  const startCutover = useStore((s) => s.startCutover)
  const cancelCutover = useStore((s) => s.cancelCutover)
  const [freeze, setFreeze] = useState<CutoverFreeze>('manual')
  const [confirmed, setConfirmed] = useState(false)
  const [validate, setValidate] = useState<CutoverValidationScope>('changed')
  const cutOver = job.status === 'cutover'
  const running = state?.running === true

  useEffect(() => {
    if (cutOver) {
      void loadCutoverRecord(job.id)
      return
    }
    // Read again at once when the job enters another stage (replicating is one of the items), then every 3 s.
    void loadReadiness(job.id, { validate })
    if (job.status !== 'running' || running) return
    const timer = setInterval(() => void loadReadiness(job.id, { validate }), 3000)
    return () => clearInterval(timer)
  }, [job.id, job.status, job.stage, cutOver, running, validate, loadReadiness, loadCutoverRecord])

  const readiness = state?.readiness ?? null
  const needsConfirm = freeze !== 'manual'
  const canStart = !running && readiness?.ready === true && (!needsConfirm || confirmed)
  const lastStep = state?.steps.at(-1) ?? null
  return (
    <section className="card" aria-labelledby="cutover-title">
      <div className="card-head">
        <h3 id="cutover-title">Cutover</h3>
        {running && (
          <button type="button" className="button ghost small" onClick={() => void cancelCutover(job.id)}>
            Cancel
          </button>
        )}
      </div>
      {cutOver && state?.record && (
        <>
          <p className="cutover-done">
            <span className="count count-pass">Cut over</span> The application can use the target; later changes on the
            source are not replicated.
          </p>
          <RecordView record={state.record} />
        </>
      )}
      {!cutOver && (
        <>
          {readiness && (
            <>
              <ul className="readiness" aria-label="Cutover readiness">
                {readiness.items.map((item) => (
                  <li key={item.id} className={`readiness-item readiness-${item.status}`}>
                    <span className={`status-text status-${item.status === 'fail' ? 'failed' : item.status}`}>
                      {item.status === 'fail' ? 'Not yet' : item.status === 'warning' ? 'Warning' : 'Ready'}
                    </span>
                    <span>
                      <strong>{item.label}</strong>
                      <span className="muted small"> {item.detail}</span>
                    </span>
                  </li>
                ))}
              </ul>
              <p className="muted" data-testid="cutover-behind">
                Behind the source: {formatBehind(readiness.behind)} · checked {formatTime(readiness.checkedAt)}
              </p>
            </>
          )}
          {state?.readinessError && <ProblemBox problem={state.readinessError} title="Readiness could not be read" />}
          <fieldset className="cutover-freeze" disabled={running}>
            <legend>How the source&apos;s writes stop</legend>
            <div className="choices">
              {freezeChoices.map((c) => (
                <label key={c.value} className={`choice${freeze === c.value ? ' choice-selected' : ''}`}>
                  <input
                    type="radio"
                    name="cutover-freeze"
                    value={c.value}
                    checked={freeze === c.value}
                    onChange={() => {
                      setFreeze(c.value)
                      setConfirmed(false)
                    }}
                  />
                  <span className="choice-title">{c.label}</span>
                  <span className="choice-text">{c.detail}</span>
                </label>
              ))}
            </div>
            {needsConfirm && (
              <label className="cutover-confirm">
                <input type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} />
                <span>
                  I confirm that Cutover may run{' '}
                  <span className="mono">
                    {freeze === 'lock' ? 'FLUSH TABLES WITH READ LOCK' : 'SET GLOBAL read_only = ON'}
                  </span>{' '}
                  on the source server.
                </span>
              </label>
            )}
          </fieldset>
          <div className="cutover-actions">
            <label className="inline-field">
              Final validation{' '}
              <select
                value={validate}
                onChange={(e) => setValidate(e.target.value as CutoverValidationScope)}
                disabled={running}
              >
                <option value="changed">Tables changed since the last equal validation</option>
                <option value="all">All tables</option>
                <option value="none">None</option>
              </select>
            </label>
            <button
              type="button"
              className="button primary"
              disabled={!canStart}
              onClick={() => void startCutover(job.id, { freeze, confirmFreeze: confirmed, validate })}
            >
              Cut over
            </button>
          </div>
        </>
      )}
      {(running || (state?.steps.length ?? 0) > 0) && !cutOver && (
        <ol className="cutover-steps" aria-label="Cutover steps">
          {state?.steps.map((s, i) => (
            <li
              key={`${s.step}${i}`}
              className={s.step === 'failed' ? 'step-failed' : s === lastStep && running ? 'step-active' : 'step-done'}
            >
              <strong>{stepLabels[s.step]}</strong> <span className="muted small">{s.message}</span>
            </li>
          ))}
        </ol>
      )}
      {state?.error && <ProblemBox problem={state.error} title="Not cut over" />}
    </section>
  )
}
