import { useMemo, useState } from 'react'
import type { TablePhase, TableProgress } from '../../../../shared/domain/events'
import type { JobStatusReport } from '../../../../shared/domain/job'
import { VirtualList } from '../../components/VirtualList'
import { formatBytes, formatCount, formatDuration } from '../../units'
import { Elapsed } from './Elapsed'
import { useLiveProgress } from './useLiveProgress'

interface Row extends TableProgress {
  percent: number | null
  state: 'copying' | 'waiting' | 'done'
}

export const phaseText: Record<TablePhase, string> = {
  queued: 'Queued',
  restarted: 'Copying again',
  copying: 'Copying',
  indexing: 'Building indexes',
  analyzing: 'Analyzing',
  done: 'Done',
}

/** Live rows where we have them, the store's checkpointed counts otherwise (a job opened after it ran). */
function mergeTables(report: JobStatusReport, live: TableProgress[] | undefined, complete: boolean): Row[] {
  const byName = new Map<string, TableProgress>(report.tables.map((t) => [t.table, t]))
  for (const t of live ?? []) byName.set(t.table, t)
  // Tables at work first (copying, then their finishing steps), then those waiting, then the done ones.
  const order: Record<TablePhase, number> = { copying: 0, restarted: 1, indexing: 2, analyzing: 3, queued: 4, done: 5 }
  return [...byName.values()]
    .map((t): Row => {
      const phase: TablePhase = complete ? 'done' : t.phase
      // Past its copy a table has all its rows, whatever the estimate said: its bar is full while indexes build.
      const copied = phase === 'indexing' || phase === 'analyzing' || phase === 'done'
      const percent = copied
        ? 100
        : t.rowsTotal
          ? Math.min(99.9, (t.rowsDone / t.rowsTotal) * 100)
          : t.rowsDone === 0
            ? 0
            : null
      const state = phase === 'done' ? 'done' : phase === 'queued' ? 'waiting' : 'copying'
      return { ...t, phase, percent, state }
    })
    .sort((a, b) => order[a.phase] - order[b.phase] || a.table.localeCompare(b.table))
}

export function ProgressPanel({ report }: { report: JobStatusReport }) {
  const job = report.job
  const live = useLiveProgress(job.id)
  const [filter, setFilter] = useState('')
  // The existing-data stage is over once the job finished it or moved on to the binlog.
  const complete = (job.status === 'finished' && job.type !== 'incremental') || job.stage === 'incremental'
  const tables = useMemo(() => mergeTables(report, live?.tables, complete), [report, live, complete])
  const shown = useMemo(() => {
    const q = filter.trim().toLowerCase()
    return q ? tables.filter((t) => t.table.toLowerCase().includes(q)) : tables
  }, [tables, filter])

  const rowsDone = tables.reduce((n, t) => n + t.rowsDone, 0)
  const bytesDone = tables.reduce((n, t) => n + t.bytesDone, 0)
  const known = tables.filter((t) => t.rowsTotal !== null)
  const rowsTotal = known.reduce((n, t) => n + Math.max(t.rowsTotal ?? 0, t.rowsDone), 0)
  const percent = complete
    ? 100
    : rowsTotal > 0
      ? Math.min(100, (rowsDone / rowsTotal) * 100)
      : tables.length > 0
        ? 0
        : null
  const running = job.status === 'running'
  // Once the copy is complete the job's live rate is replication's, not the copy's.
  const copying = running && !complete
  const rate = copying ? (live?.rowsPerSecond ?? 0) : 0
  // Smoothed by the engine (etaSmoother.ts): chunk commits come in bursts.
  const eta = complete || !running ? null : (live?.etaSeconds ?? null)
  const finishing = tables.filter((t) => t.phase === 'indexing' || t.phase === 'analyzing').length
  const doneCount = tables.filter((t) => t.state === 'done').length
  const copyTimes = job.stageTimes.existing

  return (
    <>
      <section className="card" aria-labelledby="overall-title">
        <div className="card-head">
          <h3 id="overall-title">Existing data</h3>
          <span className="muted">
            {doneCount} of {tables.length} tables done
            {finishing > 0 && `, ${finishing} building indexes or analyzing`}
          </span>
        </div>
        <div
          className="progress large"
          role="progressbar"
          aria-label="Overall progress"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent === null ? undefined : Math.round(percent)}
        >
          <div className={`progress-fill ${complete ? 'fill-done' : ''}`} style={{ width: `${percent ?? 0}%` }} />
        </div>
        <div className="stats">
          <div className="stat">
            <span className="stat-label">Progress</span>
            <span className="stat-value" data-testid="overall-percent">
              {percent === null ? '—' : `${percent.toFixed(percent === 100 ? 0 : 1)} %`}
            </span>
          </div>
          <div className="stat">
            <span className="stat-label">Rows copied</span>
            <span className="stat-value">
              {formatCount(rowsDone)}
              {rowsTotal > 0 && !complete && <span className="muted"> / ~{formatCount(rowsTotal)}</span>}
            </span>
          </div>
          <div className="stat">
            <span className="stat-label">Data copied</span>
            <span className="stat-value">{formatBytes(bytesDone)}</span>
          </div>
          <div className="stat">
            <span className="stat-label">Rate</span>
            <span className="stat-value">{copying ? `${formatCount(rate)} rows/s` : '—'}</span>
          </div>
          <div className="stat">
            <span className="stat-label">ETA</span>
            <span className="stat-value" data-testid="overall-eta">
              {complete
                ? 'Done'
                : rowsDone > 0 && rowsDone >= rowsTotal && finishing > 0
                  ? 'Finishing tables'
                  : formatDuration(eta)}
            </span>
          </div>
          <div className="stat">
            <span className="stat-label">{copyTimes?.finishedAt ? 'Took' : 'Elapsed'}</span>
            <span className="stat-value" data-testid="copy-elapsed">
              {/* The copy's own time: frozen once it ended, even while the job goes on replicating. */}
              <Elapsed
                since={copyTimes?.startedAt ?? job.startedAt}
                until={copyTimes?.finishedAt ?? (job.status === 'running' ? null : (job.finishedAt ?? job.updatedAt))}
              />
            </span>
          </div>
        </div>
      </section>

      <section className="card" aria-labelledby="tables-title">
        <div className="card-head">
          <h3 id="tables-title">Tables</h3>
          <div className="field inline">
            <label htmlFor="table-filter" className="sr-only">
              Filter tables
            </label>
            <input
              id="table-filter"
              type="search"
              placeholder="Filter tables"
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
            />
          </div>
        </div>
        {tables.length === 0 ? (
          <p className="muted">
            {job.status === 'created' ? 'Tables appear here once the job starts.' : 'No table progress recorded yet.'}
          </p>
        ) : (
          <>
            <div className="table-progress-head" aria-hidden="true">
              <span>Table</span>
              <span>Progress</span>
              <span>Phase</span>
              <span>Rows</span>
              <span>Size</span>
              <span>ETA</span>
            </div>
            <VirtualList
              items={shown}
              rowHeight={36}
              height={360}
              label="Per-table progress"
              rowKey={(t) => t.table}
              renderRow={(t) => (
                <div
                  className={`table-progress-row tp-${t.state} tp-phase-${t.phase}`}
                  data-table={t.table}
                  data-phase={t.phase}
                >
                  <span className="mono truncate" title={t.table}>
                    {t.table}
                  </span>
                  <span className="tp-bar">
                    <span
                      className="progress"
                      role="progressbar"
                      aria-label={`${t.table} progress`}
                      aria-valuemin={0}
                      aria-valuemax={100}
                      aria-valuenow={t.percent === null ? undefined : Math.round(t.percent)}
                    >
                      <span
                        className={`progress-fill ${t.state === 'done' ? 'fill-done' : ''}`}
                        style={{ width: `${t.percent ?? 0}%` }}
                      />
                    </span>
                    <span className="tp-percent">{t.percent === null ? '…' : `${Math.floor(t.percent)}%`}</span>
                  </span>
                  <span className="tp-phase">
                    {running || t.phase !== 'copying'
                      ? phaseText[t.phase]
                      : job.status === 'paused'
                        ? 'Paused'
                        : 'Stopped'}
                  </span>
                  <span className="num">{formatCount(t.rowsDone)}</span>
                  <span className="num">{formatBytes(t.bytesDone)}</span>
                  <span className="num">
                    {t.state === 'done' ? '✓' : t.state === 'copying' && running ? formatDuration(t.etaSeconds) : '—'}
                  </span>
                </div>
              )}
            />
          </>
        )}
      </section>
    </>
  )
}
