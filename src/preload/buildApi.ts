import type { IpcRenderer, IpcRendererEvent } from 'electron'
import { eventChannels, invokeChannels } from '../shared/ipc/contract'
import type { CutoverTransport } from '../shared/ipc/contract'

/** One method per invoke channel and one subscription per event channel; ipcRenderer itself stays here. */
export function buildApi(ipc: Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>): CutoverTransport {
  const invoke = Object.fromEntries(
    invokeChannels.map((channel) => [channel, (request: unknown) => ipc.invoke(channel, request)]),
  ) as unknown as CutoverTransport['invoke']

  const on = Object.fromEntries(
    eventChannels.map((channel) => [
      channel,
      (listener: (payload: unknown) => void) => {
        const wrapped = (_event: IpcRendererEvent, payload: unknown) => listener(payload)
        ipc.on(channel, wrapped)
        return () => {
          ipc.removeListener(channel, wrapped)
        }
      },
    ]),
  ) as unknown as CutoverTransport['on']

  return Object.freeze({ invoke: Object.freeze(invoke), on: Object.freeze(on) })
}
