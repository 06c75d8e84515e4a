/**
 * The one chart the app draws: a time series plotted by uPlot on a canvas, with the y-axis in the caller's
 * units, "−N s … now" on the x-axis, the latest value (or the value under the cursor) in the head, and a
 * text summary for screen readers. The plot is created once and fed with setData as samples arrive.
 *
 * A canvas cannot use CSS variables, so theme colours are resolved with getComputedStyle and resolved again
 * (then redrawn) when the theme attribute on <html> changes.
 */
import { useEffect, useId, useRef, useState } from 'react'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

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
  /** What the x-axis calls the last sample: 'now' (the default) while the job runs, 'end' for a run that ended. */
  endLabel?: string
}

interface Palette {
  axis: string
  grid: string
  font: string
  series: string[]
  /** Top and bottom colour of each series' area gradient. */
  fills: [string, string][]
}

const xIncrements = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800,
]
/** 1-2-5 steps only: uPlot's default 2.5 steps read as 0.3 and 0.8 once a formatter rounds them to one decimal. */
const yIncrements = Array.from({ length: 16 }, (_, i) => 10 ** (i - 3)).flatMap((p) => [p, 2 * p, 5 * p])
const minYTickSpacing = 28

function niceMax(value: number): number {
  if (!Number.isFinite(value) || value <= 0) return 1
  const exp = 10 ** Math.floor(Math.log10(value))
  const f = value / exp
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * exp
}

/** A whole run can span days: seconds, then minutes, hours and days before the last sample. */
function formatAgo(seconds: number, endLabel = 'now'): string {
  if (seconds <= 0) return endLabel
  if (seconds < 120) return `−${Math.round(seconds)} s`
  if (seconds < 7200) return `−${Math.round(seconds / 60)} min`
  if (seconds < 172800) return `−${Number((seconds / 3600).toFixed(seconds < 36000 ? 1 : 0))} h`
  return `−${Number((seconds / 86400).toFixed(1))} d`
}

/** `var(--x)` (optionally with a fallback) becomes the variable's current value; other colours pass through. */
function resolveColor(color: string, style: CSSStyleDeclaration): string {
  const match = /^var\(\s*(--[\w-]+)\s*(?:,\s*(.+))?\)$/.exec(color.trim())
  if (!match) return color
  return style.getPropertyValue(match[1]!).trim() || match[2]?.trim() || '#808080'
}

/** A canvas of our own for colour parsing and text measuring, so the plot's context (and uPlot's style cache) is never touched. */
let scratch: CanvasRenderingContext2D | null | undefined
function scratchContext(): CanvasRenderingContext2D | null {
  if (scratch === undefined) scratch = document.createElement('canvas').getContext('2d')
  return scratch
}

/** The same colour at `alpha`; a canvas normalises any CSS colour to #rrggbb or rgba(), which is parsed here. */
function withAlpha(color: string, alpha: number): string {
  const ctx = scratchContext()
  if (!ctx) return 'transparent'
  ctx.fillStyle = '#000'
  ctx.fillStyle = color
  const normal = String(ctx.fillStyle)
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(normal)
  if (hex) return `rgba(${parseInt(hex[1]!, 16)}, ${parseInt(hex[2]!, 16)}, ${parseInt(hex[3]!, 16)}, ${alpha})`
  const rgba = /^rgba?\(([^,]+),([^,]+),([^,)]+)/.exec(normal)
  return rgba ? `rgba(${rgba[1]}, ${rgba[2]}, ${rgba[3]}, ${alpha})` : 'transparent'
}

function readPalette(colors: string[]): Palette {
  const root = getComputedStyle(document.documentElement)
  const family = getComputedStyle(document.body).fontFamily || 'system-ui, sans-serif'
  const series = colors.map((c) => resolveColor(c, root))
  return {
    axis: resolveColor('var(--muted)', root),
    grid: resolveColor('var(--border)', root),
    font: `11px ${family}`,
    series,
    fills: series.map((c) => [withAlpha(c, 0.26), withAlpha(c, 0.02)]),
  }
}

function lastValue(values: (number | null)[]): number | null {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null && values[i] !== undefined) return values[i]!
  return null
}

/**
 * Y ticks from 0 at the smallest 1-2-5 step that fits the plot's height and whose labels all differ once
 * formatted, so a coarse formatter never prints the same label twice (0.0, 0.0, 0.1).
 */
function ySplits(self: uPlot, format: (value: number) => string, max: number): number[] {
  const dpr = window.devicePixelRatio || 1
  const plotHeight = self.bbox.height > 0 ? self.bbox.height / dpr : self.height - 40
  const maxTicks = Math.max(2, Math.floor(plotHeight / minYTickSpacing) + 1)
  for (const step of yIncrements) {
    const count = Math.floor(max / step + 1e-9) + 1
    if (count > maxTicks) continue
    const splits = Array.from({ length: count }, (_, i) => Number((i * step).toPrecision(12)))
    if (new Set(splits.map(format)).size === splits.length) return splits
  }
  return [0, max]
}

/** Wide enough for the longest tick label, measured in the axis font (uPlot's default is a fixed 50 px). */
function axisSize(self: uPlot, values: string[] | null, axisIdx: number, cycleNum: number): number {
  const axis = self.axes[axisIdx]!
  if (cycleNum > 1) return (axis as { _size?: number })._size ?? 40
  let size = (axis.ticks?.size ?? 4) + (axis.gap ?? 5) + 4
  const longest = (values ?? []).reduce((a, v) => (v.length > a.length ? v : a), '')
  const ctx = scratchContext()
  if (longest && ctx) {
    // uPlot keeps the axis font as [css font scaled by the pixel ratio, size].
    ctx.font = (axis.font as unknown as string[] | undefined)?.[0] ?? ctx.font
    size += ctx.measureText(longest).width / (window.devicePixelRatio || 1)
  }
  return Math.ceil(size)
}

export function TimeSeriesChart({
  title,
  times,
  series,
  formatValue,
  emptyText,
  height = 160,
  endLabel = 'now',
}: TimeSeriesChartProps) {
  const titleId = useId()
  const plotRef = useRef<HTMLDivElement>(null)
  const chartRef = useRef<uPlot | null>(null)
  const [hoverIdx, setHoverIdx] = useState<number | null>(null)

  const points = series.reduce((n, s) => n + s.values.filter((v) => v !== null).length, 0)
  const hasData = times.length >= 2 && points > 0
  const data: uPlot.AlignedData = [
    times.map((t) => (t - times[times.length - 1]!) / 1000),
    ...series.map((s) => s.values),
  ]

  // The plot reads these through refs, so new props never force a new plot.
  const latest = useRef({ data, series, formatValue, height, endLabel })
  latest.current = { data, series, formatValue, height, endLabel }
  const shape = series.map((s) => s.label).join('\u0000')

  useEffect(() => {
    const host = plotRef.current
    if (!hasData || !host) return
    let palette = readPalette(latest.current.series.map((s) => s.color))

    const opts: uPlot.Options = {
      width: Math.max(120, Math.floor(host.clientWidth)),
      height: latest.current.height,
      legend: { show: false },
      padding: [8, 14, 0, 0],
      cursor: {
        y: false,
        drag: { x: false, y: false, setScale: false },
        points: { size: 7, width: 2 },
      },
      scales: {
        x: { time: false, range: (_u, min) => [Math.min(min, -1), 0] },
        y: { range: (_u, _min, max) => [0, niceMax((max ?? 0) * 1.1)] },
      },
      axes: [
        {
          stroke: () => palette.axis,
          font: palette.font,
          grid: { show: false },
          ticks: { stroke: () => palette.grid, size: 4, width: 1 },
          incrs: xIncrements,
          space: 56,
          gap: 4,
          size: 24,
          values: (_u, splits) => splits.map((v) => formatAgo(-v, latest.current.endLabel)),
        },
        {
          stroke: () => palette.axis,
          font: palette.font,
          grid: { stroke: () => palette.grid, width: 1 },
          ticks: { show: false },
          gap: 6,
          size: axisSize,
          splits: (u, _axisIdx, _min, max) => ySplits(u, latest.current.formatValue, max),
          values: (_u, splits) => splits.map((v) => latest.current.formatValue(v)),
        },
      ],
      series: [
        {},
        ...latest.current.series.map((s, i): uPlot.Series => ({
          label: s.label,
          stroke: () => palette.series[i] ?? palette.axis,
          width: 2,
          spanGaps: false,
          points: { show: false },
          fill: (u) => {
            const [top, bottom] = palette.fills[i] ?? ['transparent', 'transparent']
            const gradient = u.ctx.createLinearGradient(0, u.bbox.top, 0, u.bbox.top + u.bbox.height)
            gradient.addColorStop(0, top)
            gradient.addColorStop(1, bottom)
            return gradient
          },
        })),
      ],
      hooks: {
        setCursor: [(u) => setHoverIdx(u.cursor.idx ?? null)],
      },
    }
    const chart = new uPlot(opts, latest.current.data, host)
    chartRef.current = chart

    const resize = new ResizeObserver(([entry]) => {
      const width = Math.floor(entry?.contentRect.width ?? 0)
      if (width > 0 && width !== chart.width) chart.setSize({ width, height: latest.current.height })
    })
    resize.observe(host)

    const theme = new MutationObserver(() => {
      palette = readPalette(latest.current.series.map((s) => s.color))
      chart.redraw(false)
    })
    theme.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] })

    return () => {
      theme.disconnect()
      resize.disconnect()
      chart.destroy()
      chartRef.current = null
      setHoverIdx(null)
    }
  }, [hasData, shape])

  useEffect(() => {
    chartRef.current?.setData(data)
    // `data` is rebuilt on every render (hover included); the samples it is made from change once a second.
  }, [times, series])

  useEffect(() => {
    const chart = chartRef.current
    if (chart && chart.height !== height) chart.setSize({ width: chart.width, height })
  }, [height])

  const lastIdx = times.length - 1
  const shownIdx = hoverIdx !== null && hoverIdx <= lastIdx ? hoverIdx : null
  const shown = series.map((s) => (shownIdx === null ? lastValue(s.values) : (s.values[shownIdx] ?? null)))
  const latestValues = series.map((s) => lastValue(s.values))
  const summary = series
    .map((s, i) => `${s.label} ${latestValues[i] === null ? 'no data' : formatValue(latestValues[i]!)}`)
    .join(', ')
  const peaks = series.map((s) => Math.max(0, ...s.values.filter((v): v is number => v !== null)))
  const span = hasData ? Math.round((times[lastIdx]! - times[0]!) / 1000) : 0
  const label = `${title}: ${summary} ${endLabel === 'now' ? 'now' : 'at the end'}; peak ${series.map((s, i) => formatValue(peaks[i]!)).join(', ')} over ${formatAgo(span).replace('−', '')}.`

  return (
    <figure className="chart" aria-labelledby={titleId}>
      <figcaption className="chart-head">
        <span className="chart-title" id={titleId}>
          {title}
        </span>
        {hasData && (
          <span className="chart-legend">
            {shownIdx !== null && (
              <span className="chart-cursor-time">
                {formatAgo((times[lastIdx]! - times[shownIdx]!) / 1000, endLabel)}
              </span>
            )}
            {series.map((s, i) => (
              <span key={s.label} className="legend-item">
                <span className="legend-swatch" style={{ background: s.color }} aria-hidden="true" />
                {s.label} <strong>{shown[i] === null ? '—' : formatValue(shown[i]!)}</strong>
              </span>
            ))}
          </span>
        )}
      </figcaption>
      {hasData ? (
        <div ref={plotRef} className="chart-plot" style={{ height }} role="img" aria-label={label} />
      ) : (
        <div className="chart-empty" style={{ height }}>
          {emptyText}
        </div>
      )}
    </figure>
  )
}
