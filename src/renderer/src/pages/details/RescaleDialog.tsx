import { useEffect, useState } from 'react'
import type { JobStatusReport } from '../../../../shared/domain/job'
import { call } from '../../api'
import { Dialog } from '../../components/Dialog'
import { ProblemBox } from '../../components/ProblemBox'
import { describeProblem, type ProblemText } from '../../stores/jobsSlice'
import { useStore } from '../../stores/store'

/** Changes concurrency and the export cap; as in the console it restarts a running job. */
export function RescaleDialog({
  report,
  open,
  onClose,
}: {
  report: JobStatusReport
  open: boolean
  onClose: () => void
}) {
  const job = report.job
  const [concurrency, setConcurrency] = useState(job.config.spec.concurrency)
  const [cap, setCap] = useState(job.config.spec.exportMBps)
  const [continuous, setContinuous] = useState(job.config.spec.continuousValidation)
  const [keyless, setKeyless] = useState<string[] | null>(null)
  const [problem, setProblem] = useState<ProblemText | null>(null)
  const [saving, setSaving] = useState(false)

  useEffect(() => {
    if (!open) return
    setConcurrency(job.config.spec.concurrency)
    setCap(job.config.spec.exportMBps)
    setContinuous(job.config.spec.continuousValidation)
    setProblem(null)
    setKeyless(null)
    let live = true
    // Which of the job's tables have no key: those may get duplicate rows when the restart replays them.
    call('source:objects', { jobId: job.id })
      .then((objects) => {
        const inJob = new Set(report.tables.map((t) => t.table))
        const names = objects.databases.flatMap((db) =>
          db.tables.filter((t) => !t.hasPrimaryKey && !t.hasNotNullUnique).map((t) => `${db.name}.${t.name}`),
        )
        if (live) setKeyless(inJob.size > 0 ? names.filter((n) => inJob.has(n)) : names)
      })
      .catch(() => live && setKeyless([]))
    return () => {
      live = false
    }
  }, [
    open,
    job.id,
    job.config.spec.concurrency,
    job.config.spec.exportMBps,
    job.config.spec.continuousValidation,
    report.tables,
  ])

  async function submit() {
    setSaving(true)
    setProblem(null)
    try {
      await call('job:rescale', {
        id: job.id,
        spec: { concurrency, exportMBps: cap, continuousValidation: job.config.type !== 'existing' && continuous },
      })
      // A paused job's rescale changes only its stored spec, which no event announces.
      await useStore.getState().refreshDetail()
      onClose()
    } catch (error) {
      setProblem(describeProblem(error))
    } finally {
      setSaving(false)
    }
  }

  return (
    <Dialog
      title="Rescale the job"
      open={open}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button primary" disabled={saving} onClick={() => void submit()}>
            {saving ? 'Rescaling…' : job.status === 'running' ? 'Rescale and restart' : 'Rescale'}
          </button>
        </>
      }
    >
      <div className="grid grid-2">
        <div className="field">
          <label htmlFor="rescale-concurrency">Concurrency</label>
          <input
            id="rescale-concurrency"
            type="number"
            min={1}
            max={64}
            autoFocus
            value={concurrency}
            onChange={(e) => setConcurrency(Math.max(1, Math.min(64, Number(e.target.value) || 1)))}
          />
        </div>
        <div className="field">
          <label htmlFor="rescale-cap">Export cap (MiB/s, 0 = no cap)</label>
          <input
            id="rescale-cap"
            type="number"
            min={0}
            value={cap}
            onChange={(e) => setCap(Math.max(0, Number(e.target.value) || 0))}
          />
        </div>
      </div>
      {job.config.type !== 'existing' && (
        <div className="check-row">
          <input
            id="rescale-continuous"
            type="checkbox"
            checked={continuous}
            onChange={(e) => setContinuous(e.target.checked)}
          />
          <label htmlFor="rescale-continuous">Validate changed rows continuously</label>
        </div>
      )}
      <p className="callout callout-warn">
        {job.status === 'running'
          ? 'Rescaling restarts the job: it stops at the next safe point and starts again from its checkpoints with the new spec.'
          : 'The new spec applies when the job is resumed.'}{' '}
        Do not purge the source&apos;s binary logs meanwhile.
      </p>
      {keyless === null ? (
        <p className="muted">Checking the job&apos;s tables for primary keys…</p>
      ) : keyless.length > 0 ? (
        <p className="callout callout-warn">
          {keyless.length} table{keyless.length === 1 ? ' has' : 's have'} no primary key or NOT NULL unique key (
          {keyless.slice(0, 5).join(', ')}
          {keyless.length > 5 ? ', …' : ''}): rows replayed after the restart may be duplicated on the target.
        </p>
      ) : (
        <p className="muted">Every table of the job has a primary or unique key: the restart cannot duplicate rows.</p>
      )}
      {problem && <ProblemBox problem={problem} />}
    </Dialog>
  )
}
