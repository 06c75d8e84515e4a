import { useShallow } from 'zustand/react/shallow'
import { TimeSeriesChart } from '../../components/charts/TimeSeriesChart'
import { useStore } from '../../stores/store'
import { mib } from '../../units'

const none: never[] = []

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

export function JobCharts({ jobId, hasIncremental }: { jobId: string; hasIncremental: boolean }) {
  // Samples grow once a second (progressSlice), so this re-renders at that pace, not per event.
  const samples = useStore(useShallow((s) => s.samples[jobId] ?? none))
  const times = samples.map((s) => s.t)
  return (
    <div className="charts">
      <TimeSeriesChart
        title="Throughput (rows/s)"
        times={times}
        series={[{ label: 'Rows/s', color: 'var(--accent)', values: samples.map((s) => s.rowsPerSecond) }]}
        formatValue={formatRowsRate}
        emptyText="Throughput appears while the job copies data."
      />
      <TimeSeriesChart
        title="Export rate (MiB/s)"
        times={times}
        series={[{ label: 'MiB/s', color: 'var(--chart-2)', values: samples.map((s) => s.bytesPerSecond / mib) }]}
        formatValue={short}
        emptyText="The export rate appears while the job copies data."
      />
      <TimeSeriesChart
        title="Replication lag"
        times={times}
        series={[{ label: 'Lag', color: 'var(--warn)', values: samples.map((s) => s.lagSeconds) }]}
        formatValue={formatLagTick}
        emptyText={hasIncremental ? 'Lag is measured once incremental replication starts.' : 'This job copies existing data only; it has no replication lag.'}
      />
    </div>
  )
}
