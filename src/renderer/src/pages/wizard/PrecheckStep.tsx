import { useEffect } from 'react'
import { summarize } from '../../../../shared/domain/precheck'
import type { PrecheckReport } from '../../../../shared/domain/precheck'
import { PrecheckList } from '../../components/PrecheckList'
import { ProblemBox } from '../../components/ProblemBox'
import { useStore } from '../../stores/store'
import { failedBanner } from './precheckAdvice'

/**
 * Saves the report through a Blob URL and an <a download>: no navigation and no remote content, so it works
 * under the page's CSP in Electron (main's default download handling asks where to save) and in a browser.
 */
function exportReport(report: PrecheckReport) {
  const blob = new Blob([JSON.stringify(report, null, 2)], { type: 'application/json' })
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = `precheck-${report.jobName || 'job'}-${report.finishedAt.replace(/[:.]/g, '-')}.json`
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

export function PrecheckStep() {
  const precheck = useStore((s) => s.precheck)
  const runPrecheck = useStore((s) => s.runPrecheck)
  const setStep = useStore((s) => s.setStep)

  useEffect(() => {
    if (!useStore.getState().precheck) void runPrecheck()
  }, [runPrecheck])

  const items = precheck?.items ?? []
  const summary = summarize(items)
  const running = precheck?.running ?? true
  const done = precheck?.report != null
  const canContinue = done && summary.failed === 0

  return (
    <div className="step-body">
      <section className="card" aria-labelledby="precheck-title">
        <div className="card-head">
          <h3 id="precheck-title">Precheck</h3>
          <div className="button-row">
            {done && (
              <button type="button" className="button ghost" onClick={() => exportReport(precheck!.report!)}>
                Export report
              </button>
            )}
            <button type="button" className="button ghost" onClick={() => void runPrecheck()} disabled={running}>
              Check again
            </button>
          </div>
        </div>
        <div className="precheck-summary" aria-live="polite">
          {running && <span className="spinner" aria-hidden="true" />}
          <span>
            {running ? `Checking… ${items.length} items done` : done ? 'Precheck finished' : 'Precheck stopped'}
          </span>
          <span className="count count-pass">{summary.pass} passed</span>
          <span className="count count-warning">
            {summary.warning} {summary.warning === 1 ? 'warning' : 'warnings'}
          </span>
          <span className="count count-failed">{summary.failed} failed</span>
        </div>
        {precheck?.problem && <ProblemBox problem={precheck.problem} />}
        {done && summary.failed > 0 && (
          <p className="callout callout-fail">{failedBanner(items.filter((i) => i.status === 'failed'))}</p>
        )}
        {done && summary.failed === 0 && summary.warning > 0 && (
          <p className="callout callout-warn">
            Nothing failed. Review the warnings: you may continue if the risk is acceptable.
          </p>
        )}
        {done && summary.failed === 0 && summary.warning === 0 && (
          <p className="callout callout-ok">Every item passed.</p>
        )}
        <PrecheckList items={items} onGoToStep={setStep} />
      </section>
      <div className="step-footer">
        <button type="button" className="button ghost" onClick={() => setStep(3)}>
          Back
        </button>
        <button type="button" className="button primary" disabled={!canContinue} onClick={() => setStep(5)}>
          {summary.warning > 0 && canContinue
            ? `Continue with ${summary.warning} ${summary.warning === 1 ? 'warning' : 'warnings'}`
            : 'Next'}
        </button>
      </div>
    </div>
  )
}
