import { useMemo, useState } from 'react'
import type { TableProgress } from '../../../../shared/domain/events'
import type { JobStatusReport } from '../../../../shared/domain/job'
import { VirtualList } from '../../components/VirtualList'
import { formatBytes, formatCount, formatDuration } from '../../units'
import { Elapsed } from './Elapsed'
import { useLiveProgress } from './useLiveProgress'

interface Row extends TableProgress {
  percent: number | null
  state: 'copying' | 'waiting' | 'done'
}

/** Live rows where we have them, the store's checkpointed counts otherwise (a job opened after it ran). */
function mergeTables(report: JobStatusReport, live: TableProgress[] | undefined, complete: boolean): Row[] {
  const byName = new Map<string, TableProgress>(report.tables.map((t) => [t.table, t]))
  for (const t of live ?? []) byName.set(t.table, t)
  const order = { copying: 0, waiting: 1, done: 2 }
  return [...byName.values()]
    .map((t): Row => {
      const percent = complete ? 100 : t.rowsTotal ? Math.min(100, (t.rowsDone / t.rowsTotal) * 100) : t.rowsDone === 0 ? 0 : null
      const state = complete || percent === 100 ? 'done' : t.rowsDone > 0 ? 'copying' : 'waiting'
      return { ...t, percent, state }
    })
    .sort((a, b) => order[a.state] - order[b.state] || a.table.localeCompare(b.table))
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
  const percent = complete ? 100 : rowsTotal > 0 ? Math.min(100, (rowsDone / rowsTotal) * 100) : tables.length > 0 ? 0 : null
  const running = job.status === 'running'
  const rate = running ? (live?.rowsPerSecond ?? 0) : 0
  const eta = complete || !running || rate < 1 || rowsTotal === 0 ? null : Math.max(0, rowsTotal - rowsDone) / rate
  const doneCount = tables.filter((t) => t.state === 'done').length

  return (
    <>
      <section className="card" aria-labelledby="overall-title">
        <div className="card-head">
          <h3 id="overall-title">Existing data</h3>
          <span className="muted">
            {doneCount} of {tables.length} tables done
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
            <span className="stat-value">{running ? `${formatCount(rate)} rows/s` : '—'}</span>
          </div>
          <div className="stat">
            <span className="stat-label">ETA</span>
            <span className="stat-value">{complete ? 'Done' : formatDuration(eta)}</span>
          </div>
          <div className="stat">
            <span className="stat-label">Elapsed</span>
            <span className="stat-value">
              <Elapsed since={job.startedAt} until={job.status === 'running' ? null : (job.finishedAt ?? job.updatedAt)} />
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
            <input id="table-filter" type="search" placeholder="Filter tables" value={filter} onChange={(e) => setFilter(e.target.value)} />
          </div>
        </div>
        {tables.length === 0 ? (
          <p className="muted">{job.status === 'created' ? 'Tables appear here once the job starts.' : 'No table progress recorded yet.'}</p>
        ) : (
          <>
            <div className="table-progress-head" aria-hidden="true">
              <span>Table</span>
              <span>Progress</span>
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
                <div className={`table-progress-row tp-${t.state}`} data-table={t.table}>
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
                      <span className={`progress-fill ${t.state === 'done' ? 'fill-done' : ''}`} style={{ width: `${t.percent ?? 0}%` }} />
                    </span>
                    <span className="tp-percent">{t.percent === null ? '…' : `${Math.floor(t.percent)}%`}</span>
                  </span>
                  <span className="num">{formatCount(t.rowsDone)}</span>
                  <span className="num">{formatBytes(t.bytesDone)}</span>
                  <span className="num">{t.state === 'done' ? '✓' : formatDuration(t.etaSeconds)}</span>
                </div>
              )}
            />
          </>
        )}
      </section>
    </>
  )
}
