import { useState } from 'react'
import { fixActionLine, settingStep } from '../../../shared/domain/fixWording'
import type { FixAction, PrecheckItem, PrecheckStatus } from '../../../shared/domain/precheck'
import { CopyButton } from './CopyButton'
import { sqlOfFix } from './fixSql'

const order: Record<PrecheckStatus, number> = { failed: 0, warning: 1, pass: 2 }
const labels: Record<PrecheckStatus, string> = { failed: 'Failed', warning: 'Warning', pass: 'Pass' }
const marks: Record<PrecheckStatus, string> = { failed: '✗', warning: '!', pass: '✓' }

/**
 * Precheck items as they arrive: problems first, each with its message, the fix to copy (its SQL only, when it has
 * some) and the job settings that fix it too, each with a button to its wizard step when `onGoToStep` is given.
 */
export function PrecheckList({ items, onGoToStep }: { items: PrecheckItem[]; onGoToStep?: (step: 2 | 3) => void }) {
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
              {(item.fix || item.actions) && item.status !== 'pass' && (
                <div className="fix">
                  <div className="fix-head">
                    <span className="fix-label">Fix</span>
                    {item.fix && (
                      <CopyButton
                        text={sqlOfFix(item.fix) ?? item.fix}
                        label={`Copy the fix for ${item.title}`}
                        caption={sqlOfFix(item.fix) ? 'Copy SQL' : 'Copy'}
                      />
                    )}
                  </div>
                  {item.fix && <pre className="fix-text">{item.fix}</pre>}
                  {item.actions?.map((action, index) => (
                    <FixActionRow
                      key={index}
                      action={action}
                      first={!item.fix && index === 0}
                      title={item.title}
                      onGoToStep={onGoToStep}
                    />
                  ))}
                </div>
              )}
            </div>
          </li>
        ))}
      </ul>
      {passed.length > 0 && (
        <button
          type="button"
          className="button ghost small"
          aria-expanded={showPassed}
          onClick={() => setShowPassed((v) => !v)}
        >
          {showPassed ? 'Hide passed items' : `Show ${passed.length} passed items`}
        </button>
      )}
    </div>
  )
}

/** A job setting that fixes an item, in the app's words, with a button to the wizard step that holds it. */
function FixActionRow({
  action,
  first,
  title,
  onGoToStep,
}: {
  action: FixAction
  first: boolean
  title: string
  onGoToStep?: (step: 2 | 3) => void
}) {
  const where = action.kind === 'setting' ? settingStep[action.setting] : null
  return (
    <p className="fix-action">
      {fixActionLine(action, 'app', first)}
      {where && onGoToStep && (
        <button
          type="button"
          className="button secondary small"
          aria-label={`Go to step ${where.step}, ${where.label}, to fix ${title}`}
          onClick={() => onGoToStep(where.step)}
        >
          Go to step {where.step}
        </button>
      )}
    </p>
  )
}
