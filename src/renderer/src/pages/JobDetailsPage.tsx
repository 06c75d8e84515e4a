import { useEffect, useState } from 'react'
import { AlertBanner, KeepAwakeNote } from '../components/AlertBanner'
import { Breadcrumb } from '../components/Breadcrumb'
import { JobActions } from '../components/JobActions'
import { ProblemBox } from '../components/ProblemBox'
import { StatusBadge } from '../components/StatusBadge'
import { useStore } from '../stores/store'
import { formatLag, formatTime } from '../units'
import { EventLog } from './details/EventLog'
import { IncrementalPanel } from './details/IncrementalPanel'
import { JobCharts } from './details/JobCharts'
import { ProgressPanel } from './details/ProgressPanel'
import { ReconnectingNotice } from './details/ReconnectingNotice'
import { BlockedDdlPanel } from './details/BlockedDdlPanel'
import { RescaleDialog } from './details/RescaleDialog'
import { StageTimeline } from './details/StageTimeline'
import { ValidationPanel } from './details/ValidationPanel'
import { CutoverPanel, formatBehind } from './details/CutoverPanel'
import { ReportButton } from './details/ReportButton'
import { stageLabels, typeLabels } from './JobsPage'

export function JobDetailsPage({ id }: { id: string }) {
  const report = useStore((s) => s.report)
  const problem = useStore((s) => s.detailError)
  const actionProblem = useStore((s) => s.actionErrors[id])
  const openDetail = useStore((s) => s.openDetail)
  const closeDetail = useStore((s) => s.closeDetail)
  const navigate = useStore((s) => s.navigate)
  const lag = useStore((s) => s.progress[id]?.lagSeconds ?? null)
  const behind = useStore((s) => s.cutovers[id]?.readiness?.behind ?? null)
  const liveRetry = useStore((s) => s.retries[id])
  const [rescaling, setRescaling] = useState(false)
  const validating = useStore((s) => Boolean(s.validations[id]?.runningId))

  useEffect(() => {
    void openDetail(id)
    return () => closeDetail()
  }, [id, openDetail, closeDetail])

  useEffect(() => {
    document.getElementById('job-title')?.focus()
  }, [id])

  const job = report?.job.id === id ? report.job : null
  const running = job?.status === 'running'

  // Positions and checkpointed counts live in the store, not in the events: re-read them while the job runs.
  useEffect(() => {
    if (!running) return
    const timer = setInterval(() => void useStore.getState().refreshDetail(), 5000)
    return () => clearInterval(timer)
  }, [running])
  // The live event when one came, else what the engine reported when the page last read the job.
  const retry = running ? (liveRetry === undefined ? (report?.retry ?? null) : liveRetry) : null
  const canRescale = job?.status === 'running' || job?.status === 'paused' || job?.status === 'interrupted'

  return (
    <main className="page details" aria-labelledby="job-title">
      <div className="page-title">
        <div>
          <Breadcrumb here="Details" />
          <h1 id="job-title" tabIndex={-1}>
            {job?.name ?? (problem ? 'Job not found' : 'Loading…')} {job && <StatusBadge status={job.status} />}
          </h1>
        </div>
        {job && (
          <div className="button-row">
            {canRescale && (
              <button type="button" className="button ghost" onClick={() => setRescaling(true)}>
                Rescale
              </button>
            )}
            <ReportButton jobId={job.id} jobName={job.name} />
            <JobActions
              id={job.id}
              name={job.name}
              status={job.status}
              onDeleted={() => navigate({ page: 'jobs' }, { replace: true })}
            />
          </div>
        )}
      </div>
      <AlertBanner jobId={id} />
      {(running || validating) && <KeepAwakeNote />}
      {problem && <ProblemBox problem={problem} />}
      {actionProblem && <ProblemBox problem={actionProblem} title="The action did not go through" />}
      {job && report && (
        <>
          <section className="card overview" aria-label="Stage and status">
            <StageTimeline job={job} />
            <dl className="facts">
              <div>
                <dt>Source</dt>
                <dd className="mono">{job.source}</dd>
              </div>
              <div>
                <dt>Target</dt>
                <dd className="mono">{job.target}</dd>
              </div>
              <div>
                <dt>Type / mode</dt>
                <dd>
                  {typeLabels[job.type]} · <span className="capitalize">{job.mode}</span>
                </dd>
              </div>
              <div>
                <dt>Stage</dt>
                <dd>{job.stage ? stageLabels[job.stage] : '—'}</dd>
              </div>
              <div>
                <dt>Lag</dt>
                <dd data-testid="job-lag">
                  {running
                    ? formatLag(lag ?? job.lagSeconds)
                    : job.type !== 'existing' && job.stage === 'incremental' && job.status !== 'cutover'
                      ? `${job.status === 'failed' ? 'Failed' : 'Paused'}: behind by ${formatBehind(behind)}`
                      : '—'}
                </dd>
              </div>
              <div>
                <dt>Spec</dt>
                <dd>
                  {job.config.spec.concurrency} workers
                  {job.config.spec.exportMBps > 0 ? `, ≤ ${job.config.spec.exportMBps} MiB/s` : ''}
                </dd>
              </div>
              <div>
                <dt>Started</dt>
                <dd>{formatTime(job.startedAt)}</dd>
              </div>
              <div>
                <dt>Finished</dt>
                <dd>{formatTime(job.finishedAt)}</dd>
              </div>
              {report.positions.snapshot && (
                <div>
                  <dt>Snapshot position</dt>
                  <dd className="mono">
                    {report.positions.snapshot.file}:{report.positions.snapshot.position}
                  </dd>
                </div>
              )}
            </dl>
          </section>
          {retry && <ReconnectingNotice retry={retry} />}
          {job.lastError && job.status === 'failed' && <ProblemBox problem={job.lastError} title="The job failed" />}
          <BlockedDdlPanel job={job} />
          {job.type !== 'incremental' && <ProgressPanel report={report} />}
          {job.type !== 'existing' && <IncrementalPanel report={report} />}
          <ValidationPanel job={job} />
          {job.type !== 'existing' && <CutoverPanel job={job} />}
          <JobCharts jobId={job.id} hasIncremental={job.type !== 'existing'} status={job.status} />
          <EventLog />
          {canRescale && <RescaleDialog report={report} open={rescaling} onClose={() => setRescaling(false)} />}
        </>
      )}
    </main>
  )
}
