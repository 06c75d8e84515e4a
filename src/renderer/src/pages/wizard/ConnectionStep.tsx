import { useState } from 'react'
import { jobNameProblem, jobNameRule } from '../../../../shared/domain/job'
import { TextField } from '../../components/TextField'
import { useStore } from '../../stores/store'
import { ConnectionForm, localErrors } from './ConnectionForm'

export function nameError(name: string, taken: boolean): string | null {
  if (name === '') return 'Enter a job name.'
  const problem = jobNameProblem(name)
  if (problem) return `The name ${problem}.`
  if (taken) return 'A job with this name already exists.'
  return null
}

/** Moves focus to the first field the user has to fix, after React has painted the errors. */
function focusFirstProblem() {
  requestAnimationFrame(() => {
    const target =
      document.querySelector<HTMLElement>('.wizard [aria-invalid="true"]') ??
      document.querySelector<HTMLElement>('.test-failed')
    target?.focus()
  })
}

export function ConnectionStep() {
  const name = useStore((s) => s.draft.name)
  const taken = useStore((s) => s.jobs.some((j) => j.name === s.draft.name))
  const validating = useStore((s) => s.validating)
  const editDraft = useStore((s) => s.editDraft)
  const validateConnections = useStore((s) => s.validateConnections)
  const setStep = useStore((s) => s.setStep)
  const [touched, setTouched] = useState(name !== '')
  const [submitted, setSubmitted] = useState(false)
  const error = nameError(name, taken)

  async function next() {
    setSubmitted(true)
    setTouched(true)
    const { draft } = useStore.getState()
    const local = Object.keys(localErrors(draft.source)).length + Object.keys(localErrors(draft.target)).length
    if (error || local > 0) return focusFirstProblem()
    if (await validateConnections()) setStep(2)
    else focusFirstProblem()
  }

  return (
    <form
      className="step-body"
      onSubmit={(e) => {
        e.preventDefault()
        void next()
      }}
      noValidate
    >
      <section className="card">
        <TextField
          id="job-name"
          label="Job name"
          value={name}
          onValue={(value) => {
            setTouched(true)
            editDraft({ name: value })
          }}
          error={touched ? error : null}
          hint={`Must ${jobNameRule}.`}
          maxLength={59}
          autoComplete="off"
          spellCheck={false}
          className="field-name"
        />
      </section>
      <div className="connection-grid">
        <ConnectionForm side="source" showLocalErrors={submitted} />
        <ConnectionForm side="target" showLocalErrors={submitted} />
      </div>
      <div className="step-footer">
        <span className="muted">
          Both connections are tested hop by hop: DNS, SSH, TCP, TLS, login, server and binlog.
        </span>
        <button type="submit" className="button primary" disabled={validating}>
          {validating ? 'Validating…' : 'Validate connection and next'}
        </button>
      </div>
    </form>
  )
}
