/**
 * Electron wiring of the contract: one `ipcMain.handle` per invoke channel, each refusing senders other
 * than our own window's main frame loaded from our own bundle, then parsing the payload (dispatch).
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron'
import { invokeChannels } from '../../shared/ipc/contract'
import { createCoalescer } from './eventCoalescer'
import type { Dispatch } from './dispatch'
import type { EngineEvents } from '../engine/engineEvents'

export type SenderCheck = (event: Pick<IpcMainInvokeEvent, 'senderFrame' | 'sender'>) => boolean

export function registerIpc(ipc: Pick<IpcMain, 'handle' | 'removeHandler'>, dispatch: Dispatch, isTrusted: SenderCheck): () => void {
  for (const channel of invokeChannels) {
    ipc.handle(channel, async (event, payload: unknown) => {
      if (!isTrusted(event)) {
        return {
          ok: false,
          error: {
            code: 'IPC_FOREIGN_SENDER',
            stage: null,
            retryable: false,
            message: `Refused ${channel} from a frame that is not Cutover's window.`,
            workaround: 'Only the Cutover window may call the engine.',
          },
        }
      }
      // The sender goes along so a dialog can be modal to the window that asked for it.
      return dispatch(channel, payload, { sender: event.sender })
    })
  }
  return () => {
    for (const channel of invokeChannels) ipc.removeHandler(channel)
  }
}

/** Forwards engine events to one window, coalesced; returns the unsubscribe. */
export function forwardEvents(events: EngineEvents, target: Pick<WebContents, 'send' | 'isDestroyed'>): () => void {
  const coalescer = createCoalescer((channel, payload) => {
    if (!target.isDestroyed()) target.send(channel, payload)
  })
  const unsubscribe = events.subscribe(coalescer.listener)
  return () => {
    unsubscribe()
    coalescer.stop()
  }
}
