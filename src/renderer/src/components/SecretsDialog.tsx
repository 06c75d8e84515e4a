import { useState } from 'react'
import type { JobSecretName, JobSecrets } from '../../../shared/domain/job'
import type { SecretAction } from '../stores/jobsSlice'
import { useStore } from '../stores/store'
import { Dialog } from './Dialog'
import { TextField } from './TextField'

const labels: Record<JobSecretName, string> = {
  'source.password': 'Source password',
  'target.password': 'Target password',
  'source.ssh.password': 'Source SSH password',
  'source.ssh.passphrase': 'Source SSH key passphrase',
  'target.ssh.password': 'Target SSH password',
  'target.ssh.passphrase': 'Target SSH key passphrase',
}

const actionLabels: Record<SecretAction, string> = {
  start: 'Start',
  resume: 'Resume',
  restart: 'Restart',
  pause: 'Pause',
  validate: 'Validate',
  cutover: 'Cut over',
}

/**
 * Asks for the passwords a job needs when this host no longer holds them (it keeps them in memory only, and was
 * restarted), then runs the held-back action (start, resume, restart, validate, cut over) with them. They go to the
 * engine with that one request only.
 */
export function SecretsDialog({ id, name }: { id: string; name: string }) {
  const request = useStore((s) => s.secretRequests[id])
  const cancel = useStore((s) => s.cancelSecretRequest)
  const busy = useStore((s) => s.busyJobs[id])
  const [values, setValues] = useState<JobSecrets>({})
  const close = () => {
    setValues({})
    cancel(id)
  }
  const label = request ? actionLabels[request.action] : ''

  return (
    <Dialog
      title={`Passwords for “${name}”`}
      open={request !== undefined}
      onClose={close}
      footer={
        <>
          <button type="button" className="button ghost" onClick={close}>
            Cancel
          </button>
          <button
            type="submit"
            form={`secrets-${id}`}
            className="button primary"
            disabled={busy !== undefined || !request?.names.every((n) => (values[n] ?? '') !== '')}
          >
            {busy ? `${label}…` : label}
          </button>
        </>
      }
    >
      <p>
        This Cutover keeps passwords in memory only, and it was restarted since the job was given them. Enter them again
        to {label.toLowerCase()} the job; they are kept for as long as this Cutover runs.
      </p>
      <form
        id={`secrets-${id}`}
        className="grid"
        onSubmit={(e) => {
          e.preventDefault()
          if (!request) return
          const secrets = values
          setValues({})
          void request.run(secrets)
        }}
      >
        {request?.names.map((secret, index) => (
          <TextField
            key={secret}
            id={`secret-${id}-${secret}`}
            label={labels[secret]}
            type="password"
            autoComplete="off"
            autoFocus={index === 0}
            value={values[secret] ?? ''}
            onValue={(value) => setValues((v) => ({ ...v, [secret]: value }))}
          />
        ))}
      </form>
    </Dialog>
  )
}
