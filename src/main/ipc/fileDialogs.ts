/**
 * `dialog:openFile`, host-neutral: what the OS file picker shows for each purpose, and the refusal where no
 * picker exists (the browser bridge: a web page never learns a file's path on disk). The Electron shell
 * injects the picker that actually opens the dialog (src/main/desktop/nativeFilePicker.ts).
 */
import { CutoverError } from '../../shared/domain/errors'
import type { FilePurpose } from '../../shared/ipc/contract'
import type { InvokeOrigin } from './dispatch'

/** The subset of Electron's OpenDialogOptions we use, so this module and its tests never load electron. */
export interface OpenFileDialog {
  purpose: FilePurpose
  title: string
  buttonLabel: string
  filters: { name: string; extensions: string[] }[]
  properties: ('openFile' | 'showHiddenFiles')[]
}

/** Shows the dialog and answers the chosen path, or null when the user cancels. */
export type FilePicker = (dialog: OpenFileDialog, origin: InvokeOrigin) => Promise<string | null>

const pemFiles = { name: 'PEM files (*.pem, *.crt, *.cer, *.key)', extensions: ['pem', 'crt', 'cer', 'key'] }
const allFiles = { name: 'All files', extensions: ['*'] }

const dialogs: Record<FilePurpose, Omit<OpenFileDialog, 'purpose'>> = {
  tlsCa: { title: 'Choose the CA certificate', buttonLabel: 'Use certificate', filters: [pemFiles, allFiles], properties: ['openFile'] },
  tlsCert: { title: 'Choose the client certificate', buttonLabel: 'Use certificate', filters: [pemFiles, allFiles], properties: ['openFile'] },
  tlsKey: { title: 'Choose the client key', buttonLabel: 'Use key', filters: [pemFiles, allFiles], properties: ['openFile'] },
  // OpenSSH keys usually have no extension (id_ed25519), and ~/.ssh is hidden: all files first, hidden ones shown.
  sshKey: { title: 'Choose the SSH private key', buttonLabel: 'Use key', filters: [allFiles, pemFiles], properties: ['openFile', 'showHiddenFiles'] },
}

export function openFileDialog(purpose: FilePurpose): OpenFileDialog {
  const dialog = dialogs[purpose]
  return { purpose, ...dialog, filters: dialog.filters.map((f) => ({ ...f, extensions: [...f.extensions] })), properties: [...dialog.properties] }
}

export function dialogUnavailable(): CutoverError {
  return new CutoverError({
    code: 'DIALOG_UNAVAILABLE',
    message: 'This window has no file picker: Cutover is served to a browser, and a web page cannot read where a file is on disk.',
    workaround: "Type the file's full path into the field, for example /home/you/certs/ca.pem.",
  })
}

/** The handler of `dialog:openFile`: the picker when there is one, otherwise the coded refusal. */
export async function pickFile(picker: FilePicker | undefined, purpose: FilePurpose, origin: InvokeOrigin): Promise<{ path: string | null }> {
  if (!picker) throw dialogUnavailable()
  const path = await picker(openFileDialog(purpose), origin)
  return { path: path === null || path === '' ? null : path }
}
