/** The OS file picker behind `dialog:openFile`: modal to the window that asked, options from ipc/fileDialogs. */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { app, BrowserWindow, dialog } from 'electron'
import type { OpenDialogOptions, WebContents } from 'electron'
import type { FilePicker } from '../ipc/fileDialogs'

export function createNativeFilePicker(): FilePicker {
  return async ({ purpose, title, buttonLabel, filters, properties }, origin) => {
    const options: OpenDialogOptions = { title, buttonLabel, filters, properties }
    // Keys usually live in ~/.ssh: start there when it exists.
    const sshDir = join(app.getPath('home'), '.ssh')
    if (purpose === 'sshKey' && existsSync(sshDir)) options.defaultPath = sshDir
    const window = origin.sender ? BrowserWindow.fromWebContents(origin.sender as WebContents) : null
    const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options)
    return result.canceled ? null : (result.filePaths[0] ?? null)
  }
}
