/**
 * The one chart the app draws: a time series as an SVG area + line, with a y-axis scale and a last-value
 * readout. Everything chart-specific sits behind this component's props, so a charting library (uPlot is
 * the candidate) can replace the body without touching the pages.
 */
import { useId } from 'react'

export interface ChartSeries {
  label: string
  /** A CSS colour, normally a theme variable such as `var(--accent)`. */
  color: string
  values: (number | null)[]
}

export interface TimeSeriesChartProps {
  title: string
  /** Sample times in ms since the epoch, one per value. */
  times: number[]
  series: ChartSeries[]
  formatValue: (value: number) => string
  /** Shown instead of the plot while there is nothing to draw. */
  emptyText: string
  height?: number
}

const width = 560
const pad = { top: 10, right: 12, bottom: 22, left: 56 }

function niceMax(value: number): number {
  if (value <= 0) return 1
  const exp = 10 ** Math.floor(Math.log10(value))
  const f = value / exp
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * exp
}

export function TimeSeriesChart({ title, times, series, formatValue, emptyText, height = 160 }: TimeSeriesChartProps) {
  // useId may contain characters that are not valid in a url(#…) reference.
  const gradientId = `g${useId().replace(/[^A-Za-z0-9_-]/g, '')}`
  const points = series.flatMap((s) => s.values.filter((v): v is number => v !== null))
  const latest = series.map((s) => [...s.values].reverse().find((v) => v !== null) ?? null)
  const summary = series.map((s, i) => `${s.label} ${latest[i] === null ? 'no data' : formatValue(latest[i]!)}`).join(', ')

  if (times.length < 2 || points.length === 0) {
    return (
      <figure className="chart" aria-label={title}>
        <figcaption className="chart-head">
          <span className="chart-title">{title}</span>
        </figcaption>
        <div className="chart-empty" style={{ height }}>
          {emptyText}
        </div>
      </figure>
    )
  }

  const yMax = niceMax(Math.max(...points) * 1.1)
  const t0 = times[0]!
  const t1 = times[times.length - 1]!
  const plotW = width - pad.left - pad.right
  const plotH = height - pad.top - pad.bottom
  const x = (t: number) => pad.left + ((t - t0) / Math.max(1, t1 - t0)) * plotW
  const y = (v: number) => pad.top + plotH - (v / yMax) * plotH
  const ticks = [0, 0.5, 1].map((f) => f * yMax)
  const spanSeconds = Math.round((t1 - t0) / 1000)

  return (
    <figure className="chart" aria-label={`${title}: ${summary}`}>
      <figcaption className="chart-head">
        <span className="chart-title">{title}</span>
        <span className="chart-legend">
          {series.map((s, i) => (
            <span key={s.label} className="legend-item">
              <span className="legend-swatch" style={{ background: s.color }} aria-hidden="true" />
              {s.label} <strong>{latest[i] === null ? '—' : formatValue(latest[i]!)}</strong>
            </span>
          ))}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} className="chart-svg" role="img" aria-hidden="true" preserveAspectRatio="none">
        <defs>
          {series.map((s, i) => (
            <linearGradient key={s.label} id={`${gradientId}-${i}`} x1="0" y1="0" x2="0" y2="1">
              <stop offset="0%" stopColor={s.color} stopOpacity="0.28" />
              <stop offset="100%" stopColor={s.color} stopOpacity="0.02" />
            </linearGradient>
          ))}
        </defs>
        {ticks.map((v) => (
          <g key={v}>
            <line x1={pad.left} x2={width - pad.right} y1={y(v)} y2={y(v)} className="chart-grid" />
            <text x={pad.left - 6} y={y(v) + 4} textAnchor="end" className="chart-axis">
              {formatValue(v)}
            </text>
          </g>
        ))}
        <text x={pad.left} y={height - 6} className="chart-axis">
          −{spanSeconds} s
        </text>
        <text x={width - pad.right} y={height - 6} textAnchor="end" className="chart-axis">
          now
        </text>
        {series.map((s, i) => {
          const segment = s.values
            .map((v, j) => (v === null ? null : [x(times[j]!), y(v)] as const))
            .filter((p): p is readonly [number, number] => p !== null)
          if (segment.length === 0) return null
          const line = segment.map(([px, py], j) => `${j === 0 ? 'M' : 'L'}${px.toFixed(1)},${py.toFixed(1)}`).join(' ')
          const area = `${line} L${segment[segment.length - 1]![0].toFixed(1)},${y(0)} L${segment[0]![0].toFixed(1)},${y(0)} Z`
          return (
            <g key={s.label}>
              <path d={area} fill={`url(#${gradientId}-${i})`} />
              <path d={line} fill="none" stroke={s.color} strokeWidth="2" vectorEffect="non-scaling-stroke" />
            </g>
          )
        })}
      </svg>
    </figure>
  )
}
