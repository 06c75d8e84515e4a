/** App lifecycle and wiring only: the engine, the store and the window are built elsewhere. */
import { join } from 'node:path'
import { app, dialog, ipcMain } from 'electron'
import { CutoverError } from '../shared/domain/errors'
import { createEngine } from './engine/engine'
import { openJobStore } from './store/jobStore'
import { createDispatch } from './ipc/dispatch'
import { createHandlers } from './ipc/handlers'
import { forwardEvents, registerIpc } from './ipc/register'
import { createMainWindow } from './window/mainWindow'
import { createSafeStorageSecrets } from './secrets/safeStorageSecrets'
import { watchJobsForAttention } from './desktop/jobAttention'
import { createNativeFilePicker } from './desktop/nativeFilePicker'

app.enableSandbox()

if (!app.requestSingleInstanceLock()) app.quit()

void app.whenReady().then(() => {
  let store: ReturnType<typeof openJobStore>
  try {
    store = openJobStore(join(app.getPath('userData'), 'cutover.db'))
  } catch (error) {
    // The same text the CLI prints (file, cause, fix) instead of a crash dialog with a stack.
    const e = error instanceof CutoverError ? error : null
    dialog.showErrorBox(
      'Cutover cannot open its job store',
      e ? `${e.message}\n\nFix: ${e.workaround}` : String((error as Error).message),
    )
    app.exit(2)
    return
  }
  const engine = createEngine({ store, secrets: createSafeStorageSecrets() })
  const dispatch = createDispatch(
    createHandlers(engine, { host: 'electron', version: app.getVersion() }, { pickFile: createNativeFilePicker() }),
  )

  const main = createMainWindow()
  const unregister = registerIpc(ipcMain, dispatch, main.isTrustedSender)
  const stopForwarding = forwardEvents(engine.events, main.window.webContents)
  const stopWatching = watchJobsForAttention(engine.events, (jobId) => store.getJob(jobId)?.name ?? 'A job')

  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }))
  })
  app.on('window-all-closed', () => {
    stopForwarding()
    stopWatching()
    unregister()
    // Running jobs pause at a safe point so their checkpoints stay exact; they resume on the next start.
    void engine.shutdown().finally(() => app.quit())
  })
})
