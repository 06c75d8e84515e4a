import type { ProblemText } from '../stores/jobsSlice'

/** An engine error as the user needs it: what happened, the code to search for, and what to do. */
export function ProblemBox({ problem, title }: { problem: ProblemText; title?: string }) {
  return (
    <div className="problem" role="alert">
      <div className="problem-head">
        <strong>{title ?? problem.message}</strong>
        <code className="problem-code">{problem.code}</code>
      </div>
      {title && <p>{problem.message}</p>}
      {problem.workaround && (
        <p className="problem-fix">
          <span className="fix-label">Fix</span> {problem.workaround}
        </p>
      )}
    </div>
  )
}
