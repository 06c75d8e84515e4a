import { useState } from 'react'
import { ProblemBox } from '../../components/ProblemBox'
import { call } from '../../api'
import { describeProblem, type ProblemText } from '../../stores/jobsSlice'

/** Downloads the job's migration report as one self-contained HTML page (built in main from the store). */
export function ReportButton({ jobId, jobName }: { jobId: string; jobName: string }) {
  const [problem, setProblem] = useState<ProblemText | null>(null)
  const [busy, setBusy] = useState(false)
  const download = async () => {
    setBusy(true)
    setProblem(null)
    try {
      const { html } = await call('job:report', { id: jobId })
      const url = URL.createObjectURL(new Blob([html], { type: 'text/html' }))
      const a = document.createElement('a')
      a.href = url
      a.download = `${jobName}-migration-report.html`
      a.click()
      setTimeout(() => URL.revokeObjectURL(url), 10_000)
    } catch (error) {
      setProblem(describeProblem(error))
    } finally {
      setBusy(false)
    }
  }
  return (
    <>
      <button type="button" className="button ghost" disabled={busy} onClick={() => void download()}>
        Report
      </button>
      {problem && <ProblemBox problem={problem} title="The report could not be built" />}
    </>
  )
}
