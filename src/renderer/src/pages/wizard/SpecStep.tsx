import { useShallow } from 'zustand/react/shallow'
import { ProblemBox } from '../../components/ProblemBox'
import { useStore } from '../../stores/store'
import { selectedTotals, toProfile } from '../../stores/wizardSlice'
import { formatBytes, formatCount, formatDuration } from '../../units'

/** TiDB Cloud DM's published export speeds and source regression per spec (the seed's table). */
export const referenceSpecs = [
  { rcu: 2, mibps: 80.84, regression: 15.6 },
  { rcu: 4, mibps: 214.2, regression: 20.0 },
  { rcu: 8, mibps: 365.5, regression: 28.9 },
  { rcu: 16, mibps: 424.6, regression: 46.7 },
] as const

function interpolate(points: readonly (readonly [number, number])[], x: number): number {
  const first = points[0]!
  const last = points[points.length - 1]!
  if (x <= first[0]) return (first[1] * x) / Math.max(first[0], 1e-9)
  if (x >= last[0]) return last[1]
  for (let i = 1; i < points.length; i++) {
    const [x0, y0] = points[i - 1]!
    const [x1, y1] = points[i]!
    if (x <= x1) return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0)
  }
  return last[1]
}

/** Reads concurrency as RCUs against the reference table; a cap lowers both the speed and the impact. */
export function estimate(concurrency: number, capMBps: number, bytes: number) {
  const reference = interpolate(
    referenceSpecs.map((r) => [r.rcu, r.mibps] as const),
    concurrency,
  )
  const speed = capMBps > 0 ? Math.min(capMBps, reference) : reference
  const regression = interpolate([[0, 0], ...referenceSpecs.map((r) => [r.mibps, r.regression] as const)], speed)
  return { speed, regression, seconds: bytes > 0 ? bytes / (speed * 1024 * 1024) : null }
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
  const { speed, regression, seconds } = estimate(draft.concurrency, draft.exportMBps, totals.bytes)
  const nearest = referenceSpecs.reduce((a, b) => (Math.abs(b.mibps - speed) < Math.abs(a.mibps - speed) ? b : a))
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
            <label htmlFor="spec-cap">Export cap (MB/s, 0 = no cap)</label>
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
          <div className="estimate" aria-live="polite">
            <div>
              <span className="estimate-label">Expected export speed</span>
              <span className="estimate-value">≈ {speed.toFixed(0)} MiB/s</span>
            </div>
            <div>
              <span className="estimate-label">Expected duration (existing data)</span>
              <span className="estimate-value">
                {draft.type === 'incremental'
                  ? 'No existing data'
                  : seconds === null
                    ? '—'
                    : `≈ ${formatDuration(seconds)}`}
              </span>
            </div>
            <div>
              <span className="estimate-label">Source impact (QPS/TPS regression)</span>
              <span className="estimate-value">≈ {regression.toFixed(1)} %</span>
            </div>
          </div>
          <table className="table compact reference" aria-label="Reference export speeds">
            <caption className="muted">
              Reference: TiDB Cloud DM&apos;s published figures (concurrency read as RCUs). Your network, disks and
              servers decide the real speed.
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
                <tr key={r.rcu} className={r === nearest ? 'row-highlight' : ''}>
                  <td>{r.rcu} RCUs</td>
                  <td>{r.mibps} MiB/s</td>
                  <td>{r.regression} %</td>
                </tr>
              ))}
            </tbody>
          </table>
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
                  · {totals.tables} tables, {formatCount(totals.rows)} rows, {formatBytes(totals.bytes)}
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
              {draft.exportMBps > 0 ? `export capped at ${draft.exportMBps} MB/s` : 'no export cap'}
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
