import { useShallow } from 'zustand/react/shallow'
import { ProblemBox } from '../../components/ProblemBox'
import { useStore } from '../../stores/store'
import { selectedTotals, toProfile } from '../../stores/wizardSlice'
import { formatBytes, formatCount, formatDuration, mib, plural } from '../../units'

/** TiDB Cloud DM's published export speeds and source regression per spec: a reference, never this job's figure. */
export const referenceSpecs = [
  { rcu: 2, mibps: 80.84, regression: 15.6 },
  { rcu: 4, mibps: 214.2, regression: 20.0 },
  { rcu: 8, mibps: 365.5, regression: 28.9 },
  { rcu: 16, mibps: 424.6, regression: 46.7 },
] as const

/**
 * What can be known before the job runs: the selected data's size from the source's statistics and, with a cap,
 * the least time reading it can take. The speed itself is measured once the job runs (its page shows it).
 */
export function knownFigures(dataBytes: number, capMiBps: number) {
  return { dataBytes, cap: capMiBps, leastSeconds: capMiBps > 0 && dataBytes > 0 ? dataBytes / (capMiBps * mib) : null }
}

const typeText = {
  existing: 'Existing data only',
  incremental: 'Incremental only',
  both: 'Existing data and incremental',
} as const

export function SpecStep() {
  const draft = useStore((s) => s.draft)
  const { objects, precheck, creating, createProblem } = useStore(
    useShallow((s) => ({
      objects: s.objects,
      precheck: s.precheck,
      creating: s.creating,
      createProblem: s.createProblem,
    })),
  )
  const editDraft = useStore((s) => s.editDraft)
  const setStep = useStore((s) => s.setStep)
  const createAndStart = useStore((s) => s.createAndStart)
  const navigate = useStore((s) => s.navigate)
  const totals = selectedTotals(objects, draft)
  const known = knownFigures(totals.dataBytes, draft.exportMBps)
  const copies = draft.type !== 'incremental'
  const summary = precheck?.report?.summary
  const endpoint = (side: 'source' | 'target') => {
    const p = toProfile(draft[side])
    return `${p.user}@${p.host}:${p.port}${p.ssh ? ` via ${p.ssh.host}` : ''}`
  }
  const start =
    draft.type !== 'incremental'
      ? 'From the snapshot'
      : draft.startKind === 'now'
        ? 'Now'
        : draft.startKind === 'position'
          ? `${draft.startFile}:${draft.startPosition}`
          : `GTID ${draft.startGtid}`

  return (
    <form
      className="step-body"
      onSubmit={(e) => {
        e.preventDefault()
        void createAndStart().then((id) => {
          if (id) navigate({ page: 'job', id })
        })
      }}
    >
      <div className="spec-grid">
        <section className="card" aria-labelledby="spec-title">
          <h3 id="spec-title">Spec</h3>
          <div className="field">
            <label htmlFor="spec-concurrency">Concurrency (parallel readers and writers)</label>
            <div className="range-row">
              <input
                id="spec-concurrency-range"
                type="range"
                min={1}
                max={32}
                value={Math.min(draft.concurrency, 32)}
                aria-label="Concurrency slider"
                onChange={(e) => editDraft({ concurrency: Number(e.target.value) })}
              />
              <input
                id="spec-concurrency"
                type="number"
                min={1}
                max={64}
                value={draft.concurrency}
                onChange={(e) => editDraft({ concurrency: Math.max(1, Math.min(64, Number(e.target.value) || 1)) })}
              />
            </div>
          </div>
          <div className="field">
            <label htmlFor="spec-cap">Export cap (MiB/s, 0 = no cap)</label>
            <input
              id="spec-cap"
              type="number"
              min={0}
              step={1}
              value={draft.exportMBps}
              aria-describedby="spec-cap-hint"
              onChange={(e) => editDraft({ exportMBps: Math.max(0, Number(e.target.value) || 0) })}
            />
            <div id="spec-cap-hint" className="field-hint">
              Caps how fast the source is read, to protect its production traffic. Both can be changed later with
              Rescale.
            </div>
          </div>
          <div className="field">
            <label htmlFor="spec-retry">Retry budget (minutes)</label>
            <input
              id="spec-retry"
              type="number"
              min={0}
              max={10080}
              step={1}
              value={draft.retryMinutes}
              aria-describedby="spec-retry-hint"
              onChange={(e) => editDraft({ retryMinutes: Math.max(0, Math.min(10080, Number(e.target.value) || 0)) })}
            />
            <div id="spec-retry-hint" className="field-hint">
              How long the job keeps reconnecting to a source or target it lost (a VPN reconnect, a laptop waking up)
              before it fails. It resumes from its checkpoints each time; 0 fails at the first lost connection.
            </div>
          </div>
          {draft.type !== 'existing' && (
            <div className="field">
              <div className="check-row">
                <input
                  id="spec-continuous-validation"
                  type="checkbox"
                  checked={draft.continuousValidation}
                  aria-describedby="spec-continuous-hint"
                  onChange={(e) => editDraft({ continuousValidation: e.target.checked })}
                />
                <label htmlFor="spec-continuous-validation">Validate changed rows continuously</label>
              </div>
              <div id="spec-continuous-hint" className="field-hint">
                While the job replicates, every row it changes is compared again between source and target in the
                background, once applied; the job page counts the rows waiting and lists any that differ. It reads each
                changed row three times (source, target, source), adding that much read load on both servers.
              </div>
            </div>
          )}
          {draft.type !== 'incremental' && (
            <div className="field">
              <label htmlFor="spec-defer-indexes">Secondary indexes</label>
              <select
                id="spec-defer-indexes"
                value={String(draft.deferIndexes)}
                aria-describedby="spec-defer-hint"
                onChange={(e) =>
                  editDraft({ deferIndexes: e.target.value === 'auto' ? 'auto' : e.target.value === 'true' })
                }
              >
                <option value="auto">Automatic: after the data on MySQL and MariaDB, with the rows on TiDB</option>
                <option value="true">Build after the data</option>
                <option value="false">Write with the rows</option>
              </select>
              <div id="spec-defer-hint" className="field-hint">
                After the data: tables the job creates are loaded with their primary and unique keys only, and the other
                indexes are added in one pass once a table&apos;s data is in — faster on MySQL and MariaDB, slower on
                TiDB, where an index backfill costs more than writing the entries with the rows. Tables that already
                exist on the target keep their indexes.
              </div>
            </div>
          )}
          <div className="estimate" aria-live="polite" aria-label="What is known before the job runs">
            <div>
              <span className="estimate-label">Selected data (source statistics)</span>
              <span className="estimate-value">
                {!copies ? 'No existing data to copy' : objects ? formatBytes(known.dataBytes) : '—'}
              </span>
              {copies && objects && (
                <span className="estimate-note">
                  {plural(totals.tables, 'table')}, ≈ {formatCount(totals.rows)} rows
                  {totals.bytes > totals.dataBytes && `, indexes ${formatBytes(totals.bytes - totals.dataBytes)} more`}
                </span>
              )}
            </div>
            <div>
              <span className="estimate-label">Export cap</span>
              <span className="estimate-value">{draft.exportMBps > 0 ? `${draft.exportMBps} MiB/s` : 'None'}</span>
              <span className="estimate-note">
                {draft.exportMBps > 0 ? 'the most the job reads from the source' : 'the servers and the network decide'}
              </span>
            </div>
            <div>
              <span className="estimate-label">Reading the data at the cap</span>
              <span className="estimate-value">
                {!copies || known.leastSeconds === null
                  ? '—'
                  : known.leastSeconds < 1
                    ? 'under 1 s'
                    : `at least ${formatDuration(known.leastSeconds)}`}
              </span>
              <span className="estimate-note">
                {copies && known.leastSeconds !== null
                  ? 'a bound from the cap, not a prediction'
                  : 'no bound without a cap'}
              </span>
            </div>
          </div>
          <p className="field-hint">
            Once the job runs, its page shows the measured export rate, rows per second and lag.
          </p>
          <details className="reference">
            <summary>Reference figures (TiDB Cloud DM), not a prediction for this job</summary>
            <table className="table compact" aria-label="Reference export speeds">
              <caption className="muted">
                TiDB Cloud DM&apos;s published export speed and source regression per RCU spec, measured on its own
                servers. Your network, disks and servers decide this job&apos;s speed.
              </caption>
              <thead>
                <tr>
                  <th scope="col">Spec</th>
                  <th scope="col">Max export speed</th>
                  <th scope="col">Source regression</th>
                </tr>
              </thead>
              <tbody>
                {referenceSpecs.map((r) => (
                  <tr key={r.rcu}>
                    <td>{r.rcu} RCUs</td>
                    <td>{r.mibps} MiB/s</td>
                    <td>{r.regression} %</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </section>

        <section className="card" aria-labelledby="summary-title">
          <h3 id="summary-title">Summary</h3>
          <dl className="summary">
            <dt>Job name</dt>
            <dd className="strong">{draft.name}</dd>
            <dt>Source</dt>
            <dd className="mono">{endpoint('source')}</dd>
            <dt>Target</dt>
            <dd className="mono">{endpoint('target')}</dd>
            <dt>Type</dt>
            <dd>{typeText[draft.type]}</dd>
            <dt>Mode</dt>
            <dd>{draft.mode === 'logical' ? 'Logical' : 'Physical'}</dd>
            <dt>Start point</dt>
            <dd>{start}</dd>
            <dt>Objects</dt>
            <dd>
              {draft.objectsMode === 'all' || draft.selected.length === 0
                ? 'All databases'
                : `${draft.selected.length} selected`}
              {objects && (
                <span className="muted">
                  {' '}
                  · {plural(totals.tables, 'table')}, ≈ {formatCount(totals.rows)} rows, {formatBytes(totals.bytes)}
                </span>
              )}
            </dd>
            <dt>Precheck</dt>
            <dd>
              {summary
                ? `${summary.pass} passed, ${summary.warning} ${summary.warning === 1 ? 'warning' : 'warnings'}, ${summary.failed} failed`
                : '—'}
            </dd>
            <dt>Spec</dt>
            <dd>
              Concurrency {draft.concurrency},{' '}
              {draft.exportMBps > 0 ? `export capped at ${draft.exportMBps} MiB/s` : 'no export cap'}
              {draft.type !== 'existing' && draft.continuousValidation ? ', changed rows validated continuously' : ''}
            </dd>
          </dl>
        </section>
      </div>
      {createProblem && <ProblemBox problem={createProblem} title="The job could not be created and started" />}
      <div className="step-footer">
        <button type="button" className="button ghost" onClick={() => setStep(4)}>
          Back
        </button>
        <button type="submit" className="button primary" disabled={creating}>
          {creating ? 'Creating…' : 'Create and start'}
        </button>
      </div>
    </form>
  )
}
