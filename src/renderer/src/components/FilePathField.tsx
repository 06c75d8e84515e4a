import { useState } from 'react'
import type { FilePurpose } from '../../../shared/ipc/contract'
import { call } from '../api'
import { describeProblem } from '../stores/jobsSlice'
import { useStore } from '../stores/store'
import { TextField } from './TextField'
import type { TextFieldProps } from './TextField'

/**
 * A path to a file on the machine running Cutover (certificate, key). The path stays editable; where the host
 * has native dialogs (the desktop app) a Browse… button fills it, otherwise the hint says to type it, since a
 * browser page never learns where a chosen file lives on disk.
 */
export function FilePathField({ purpose, hint, error, onValue, ...field }: TextFieldProps & { purpose: FilePurpose }) {
  const nativeDialogs = useStore((s) => s.info?.nativeDialogs ?? false)
  const [problem, setProblem] = useState<string | null>(null)
  const [picking, setPicking] = useState(false)

  async function browse() {
    setPicking(true)
    setProblem(null)
    try {
      const { path } = await call('dialog:openFile', { purpose })
      if (path !== null) onValue(path)
    } catch (e) {
      const p = describeProblem(e)
      setProblem(`${p.message} ${p.workaround}`)
    } finally {
      setPicking(false)
    }
  }

  const typeHint = nativeDialogs ? null : "Type the file's full path."
  return (
    <TextField
      {...field}
      spellCheck={false}
      autoComplete="off"
      onValue={(value) => {
        setProblem(null)
        onValue(value)
      }}
      error={error ?? problem}
      hint={
        hint && typeHint ? (
          <>
            {hint} {typeHint}
          </>
        ) : (
          (hint ?? typeHint)
        )
      }
      action={
        nativeDialogs ? (
          <button type="button" className="button ghost field-action" onClick={() => void browse()} disabled={picking} aria-label={`Browse… for the ${field.label.replace(/^[A-Z](?=[a-z])/, (c) => c.toLowerCase())}`}>
            Browse…
          </button>
        ) : undefined
      }
    />
  )
}
