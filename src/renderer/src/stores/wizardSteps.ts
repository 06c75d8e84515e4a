/** Which wizard steps stay open after an edit: pure, so it is tested without the store. */
import type { WizardDraft, WizardStep } from './wizardSlice'

/** The step each draft field is chosen on; a field not listed is the spec's (step 5). */
const stepOfField: Partial<Record<keyof WizardDraft, WizardStep>> = {
  name: 1,
  source: 1,
  target: 1,
  type: 2,
  mode: 2,
  startKind: 2,
  startFile: 2,
  startPosition: 2,
  startGtid: 2,
  objectsMode: 3,
  selected: 3,
}

/** How far the stepper stays open after `patch`: up to the earliest step whose field changed. */
export function reachedAfterEdit(reached: WizardStep, patch: Partial<WizardDraft>): WizardStep {
  let limit = reached
  for (const field of Object.keys(patch) as (keyof WizardDraft)[]) {
    const step = stepOfField[field] ?? 5
    if (step < limit) limit = step
  }
  return limit
}
