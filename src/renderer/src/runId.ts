/** An id the renderer gives a long call (a precheck, a validation) so that its events and its cancel can name it. */
export function newRunId(): string {
  return typeof crypto.randomUUID === 'function'
    ? crypto.randomUUID()
    : `run-${Date.now()}-${Math.random().toString(36).slice(2)}`
}
