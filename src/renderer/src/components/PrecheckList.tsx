import { useState } from 'react'
import type { PrecheckItem, PrecheckStatus } from '../../../shared/domain/precheck'
import { CopyButton } from './CopyButton'

const order: Record<PrecheckStatus, number> = { failed: 0, warning: 1, pass: 2 }
const labels: Record<PrecheckStatus, string> = { failed: 'Failed', warning: 'Warning', pass: 'Pass' }
const marks: Record<PrecheckStatus, string> = { failed: '✗', warning: '!', pass: '✓' }

/** Precheck items as they arrive: problems first, each with its message and the fix to copy. */
export function PrecheckList({ items }: { items: PrecheckItem[] }) {
  const [showPassed, setShowPassed] = useState(false)
  const sorted = [...items].sort((a, b) => order[a.status] - order[b.status] || a.title.localeCompare(b.title))
  const problems = sorted.filter((i) => i.status !== 'pass')
  const passed = sorted.filter((i) => i.status === 'pass')
  const shown = showPassed ? sorted : problems
  return (
    <div className="precheck-list">
      <ul aria-label="Precheck items">
        {shown.map((item) => (
          <li key={item.id} className={`precheck-item precheck-${item.status}`} data-item={item.id}>
            <span className={`precheck-mark mark-${item.status}`} aria-hidden="true">
              {marks[item.status]}
            </span>
            <div className="precheck-main">
              <div className="precheck-title">
                <span className="strong">{item.title}</span>
                <span className={`status-text status-${item.status}`}>{labels[item.status]}</span>
                <code className="precheck-id">{item.id}</code>
              </div>
              <p className="precheck-message">{item.message}</p>
              {item.fix && item.status !== 'pass' && (
                <div className="fix">
                  <div className="fix-head">
                    <span className="fix-label">Fix</span>
                    <CopyButton text={item.fix} label={`Copy the fix for ${item.title}`} />
                  </div>
                  <pre className="fix-text">{item.fix}</pre>
                </div>
              )}
            </div>
          </li>
        ))}
      </ul>
      {passed.length > 0 && (
        <button type="button" className="button ghost small" aria-expanded={showPassed} onClick={() => setShowPassed((v) => !v)}>
          {showPassed ? 'Hide passed items' : `Show ${passed.length} passed items`}
        </button>
      )}
    </div>
  )
}
