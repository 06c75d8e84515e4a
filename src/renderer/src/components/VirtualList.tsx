/**
 * Renders only the rows in view (fixed row height): a job with 1,000 tables or a source with thousands
 * keeps a few dozen DOM rows however long the list is.
 */
import { useState, type ReactNode } from 'react'

export interface VirtualListProps<T> {
  items: readonly T[]
  rowHeight: number
  /** Height of the scroll area in pixels; a short list shrinks to fit. */
  height: number
  renderRow: (item: T, index: number) => ReactNode
  rowKey: (item: T) => string
  label: string
  className?: string
}

const overscan = 8

export function VirtualList<T>({ items, rowHeight, height, renderRow, rowKey, label, className }: VirtualListProps<T>) {
  const [scrollTop, setScrollTop] = useState(0)
  const total = items.length * rowHeight
  const viewport = Math.min(height, total)
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan)
  const last = Math.min(items.length, Math.ceil((scrollTop + viewport) / rowHeight) + overscan)
  return (
    <div
      className={`virtual-list ${className ?? ''}`}
      style={{ height: viewport }}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      role="list"
      aria-label={label}
      tabIndex={0}
    >
      <div style={{ height: total, position: 'relative' }}>
        {items.slice(first, last).map((item, i) => (
          <div
            key={rowKey(item)}
            role="listitem"
            className="virtual-row"
            style={{ position: 'absolute', top: (first + i) * rowHeight, height: rowHeight, left: 0, right: 0 }}
          >
            {renderRow(item, first + i)}
          </div>
        ))}
      </div>
    </div>
  )
}
