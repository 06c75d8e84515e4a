import { useEffect, useMemo, useState } from 'react'
import { useShallow } from 'zustand/react/shallow'
import type { JobSample } from '../../../../shared/domain/events'
import { call } from '../../api'
import { TimeSeriesChart } from '../../components/charts/TimeSeriesChart'
import { useStore } from '../../stores/store'
import { mib } from '../../units'
import { mergeHistory } from './chartHistory'

const none: never[] = []
/** While the job runs, the stored series is read again this often (the live points cover the last minutes). */
const refreshMs = 60_000

/** The job's stored series, read on open, when its status changes, and each minute while it runs. */
function useStoredHistory(jobId: string, running: boolean, status: string): JobSample[] {
  const [stored, setStored] = useState<JobSample[]>([])
  useEffect(() => {
    let live = true
    const read = () =>
      void call('job:history', { id: jobId })
        .then((samples) => live && setStored(samples))
        .catch(() => undefined)
    read()
    const timer = running ? setInterval(read, refreshMs) : null
    return () => {
      live = false
      if (timer) clearInterval(timer)
    }
  }, [jobId, running, status])
  return stored
}

/** At most one decimal, none when it is zero: tick labels of one axis then read alike (0, 2.5, 5, 10). */
const short = (value: number) => String(Number(value.toFixed(value < 10 ? 1 : 0)))

/** Rows per second, compact at every size so the axis never mixes "5,000" with "10 k". */
function formatRowsRate(value: number): string {
  if (value >= 1e6) return `${short(value / 1e6)} M`
  if (value >= 1e3) return `${short(value / 1e3)} k`
  return short(value)
}

/** Lag on an axis: seconds, then minutes, then hours, each with at most one decimal. */
function formatLagTick(seconds: number): string {
  if (seconds < 120) return `${short(seconds)} s`
  if (seconds < 7200) return `${short(seconds / 60)} min`
  return `${short(seconds / 3600)} h`
}

export function JobCharts({
  jobId,
  hasIncremental,
  status,
}: {
  jobId: string
  hasIncremental: boolean
  status: string
}) {
  const running = status === 'running'
  const stored = useStoredHistory(jobId, running, status)
  // Live samples grow once a second (progressSlice), so this re-renders at that pace, not per event.
  const live = useStore(useShallow((s) => s.samples[jobId] ?? none))
  const samples = useMemo(() => mergeHistory(stored, live), [stored, live])
  const times = samples.map((s) => s.t)
  const end = running ? undefined : 'end'
  return (
    <div className="charts">
      <TimeSeriesChart
        title="Throughput (rows/s)"
        times={times}
        series={[{ label: 'Rows/s', color: 'var(--accent)', values: samples.map((s) => s.rowsPerSecond) }]}
        formatValue={formatRowsRate}
        endLabel={end}
        emptyText="Throughput appears while the job copies data."
      />
      <TimeSeriesChart
        title="Export rate (MiB/s)"
        times={times}
        series={[
          {
            label: 'MiB/s',
            color: 'var(--chart-2)',
            values: samples.map((s) => (s.bytesPerSecond === null ? null : s.bytesPerSecond / mib)),
          },
        ]}
        formatValue={short}
        endLabel={end}
        emptyText="The export rate appears while the job copies data."
      />
      <TimeSeriesChart
        title="Replication lag"
        times={times}
        series={[{ label: 'Lag', color: 'var(--warn)', values: samples.map((s) => s.lagSeconds) }]}
        formatValue={formatLagTick}
        endLabel={end}
        emptyText={
          hasIncremental
            ? 'Lag is measured once incremental replication starts.'
            : 'This job copies existing data only; it has no replication lag.'
        }
      />
    </div>
  )
}
