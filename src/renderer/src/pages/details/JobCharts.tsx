import { useShallow } from 'zustand/react/shallow'
import { TimeSeriesChart } from '../../components/charts/TimeSeriesChart'
import { useStore } from '../../stores/store'
import { formatCount, formatLag, mib } from '../../units'

const none: never[] = []

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
        formatValue={formatCount}
        emptyText="Throughput appears while the job copies data."
      />
      <TimeSeriesChart
        title="Export rate (MiB/s)"
        times={times}
        series={[{ label: 'MiB/s', color: 'var(--chart-2)', values: samples.map((s) => s.bytesPerSecond / mib) }]}
        formatValue={(v) => v.toFixed(v < 10 ? 1 : 0)}
        emptyText="The export rate appears while the job copies data."
      />
      <TimeSeriesChart
        title="Replication lag"
        times={times}
        series={[{ label: 'Lag', color: 'var(--warn)', values: samples.map((s) => s.lagSeconds) }]}
        formatValue={formatLag}
        emptyText={hasIncremental ? 'Lag is measured once incremental replication starts.' : 'This job copies existing data only; it has no replication lag.'}
      />
    </div>
  )
}
