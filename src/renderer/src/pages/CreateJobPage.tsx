import { useEffect, useRef, useState } from 'react'
import { Breadcrumb } from '../components/Breadcrumb'
import { Dialog } from '../components/Dialog'
import { useStore } from '../stores/store'
import type { WizardStep } from '../stores/wizardSlice'
import { ConnectionStep } from './wizard/ConnectionStep'
import { ObjectsStep } from './wizard/ObjectsStep'
import { PrecheckStep } from './wizard/PrecheckStep'
import { SpecStep } from './wizard/SpecStep'
import { TypeStep } from './wizard/TypeStep'

const steps: { step: WizardStep; title: string; heading: string }[] = [
  { step: 1, title: 'Connections', heading: 'Configure the source and target connection' },
  { step: 2, title: 'Job type', heading: 'Choose the migration type and mode' },
  { step: 3, title: 'Objects', heading: 'Choose the objects to migrate' },
  { step: 4, title: 'Precheck', heading: 'Precheck' },
  { step: 5, title: 'Spec and start', heading: 'Choose a spec and start migration' },
]

export function CreateJobPage() {
  const step = useStore((s) => s.step)
  const setStep = useStore((s) => s.setStep)
  const resetWizard = useStore((s) => s.resetWizard)
  const navigate = useStore((s) => s.navigate)
  const name = useStore((s) => s.draft.name)
  const reached = useStore((s) => s.reached)
  const precheckPassed = useStore((s) => s.precheck?.report != null && s.precheck.report.summary.failed === 0)
  const headingRef = useRef<HTMLHeadingElement>(null)
  const first = useRef(true)
  const [confirmingCancel, setConfirmingCancel] = useState(false)
  const discard = () => {
    resetWizard()
    navigate({ page: 'jobs' })
  }

  // Each step is a new screen: move focus to its heading so keyboard and screen-reader users start at the top.
  useEffect(() => {
    if (first.current) {
      first.current = false
      document.getElementById('job-name')?.focus()
      return
    }
    headingRef.current?.focus()
  }, [step])

  const current = steps[step - 1]!
  return (
    <main className="page wizard" aria-labelledby="wizard-title">
      <div className="page-title">
        <div>
          <Breadcrumb here="Create" />
          <h1 id="wizard-title">Create migration job</h1>
        </div>
        <button
          type="button"
          className="button ghost"
          // A draft past its first step holds tested connections and choices: ask before throwing them away.
          onClick={() => (step > 1 ? setConfirmingCancel(true) : discard())}
        >
          Cancel
        </button>
      </div>
      <Dialog
        title="Discard this job draft?"
        open={confirmingCancel}
        tone="danger"
        onClose={() => setConfirmingCancel(false)}
        footer={
          <>
            <button type="button" className="button ghost" autoFocus onClick={() => setConfirmingCancel(false)}>
              Keep editing
            </button>
            <button type="button" className="button danger" onClick={discard}>
              Discard draft
            </button>
          </>
        }
      >
        <p>
          The connections, type, objects{step > 3 ? ', precheck' : ''} and spec of {name ? `“${name}”` : 'this job'} are
          not kept. No job has been created yet.
        </p>
      </Dialog>
      <nav aria-label="Wizard steps">
        <ol className="stepper">
          {steps.map((s) => {
            // Going back keeps the later steps open until something on an earlier step changes (see `reached`);
            // the spec step only after a precheck with nothing failed.
            const open = s.step <= (s.step === 5 && !precheckPassed ? Math.min(reached, 4) : reached)
            const state = s.step === step ? 'current' : open ? 'done' : 'todo'
            return (
              <li key={s.step} className={`stepper-item stepper-${state}`}>
                <button
                  type="button"
                  className="stepper-button"
                  disabled={state === 'todo'}
                  aria-current={state === 'current' ? 'step' : undefined}
                  onClick={() => setStep(s.step)}
                >
                  <span className="stepper-index" aria-hidden="true">
                    {state === 'done' ? '✓' : s.step}
                  </span>
                  <span className="stepper-title">{s.title}</span>
                </button>
              </li>
            )
          })}
        </ol>
      </nav>
      <h2 className="step-heading" tabIndex={-1} ref={headingRef}>
        <span className="muted">Step {step} of 5 · </span>
        {current.heading}
      </h2>
      {step === 1 && <ConnectionStep />}
      {step === 2 && <TypeStep />}
      {step === 3 && <ObjectsStep />}
      {step === 4 && <PrecheckStep />}
      {step === 5 && <SpecStep />}
    </main>
  )
}
