/**
 * The renderer's transport when it is served by `cutover serve`: the same contract over the page's own
 * WebSocket at `/<token>/ws` (the token is the first path segment of the page URL).
 */
import type {
  BridgeServerMessage,
  CutoverTransport,
  Envelope,
  EventChannel,
} from '../../shared/ipc/contract'
import { eventChannels, invokeChannels } from '../../shared/ipc/contract'

export function createBridgeTransport(location: Location): CutoverTransport {
  const token = location.pathname.split('/')[1] ?? ''
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/${token}/ws`
  const pending = new Map<number, (envelope: Envelope<unknown>) => void>()
  const listeners = new Map<EventChannel, Set<(payload: unknown) => void>>()
  let nextId = 1
  let socket: Promise<WebSocket> | null = null

  function connect(): Promise<WebSocket> {
    socket ??= new Promise((resolve, reject) => {
      const ws = new WebSocket(url)
      ws.onopen = () => resolve(ws)
      ws.onerror = () => reject(new Error('The Cutover bridge is not reachable.'))
      ws.onclose = () => {
        socket = null
        for (const settle of pending.values()) {
          settle({
            ok: false,
            error: {
              code: 'BRIDGE_CLOSED',
              stage: null,
              retryable: true,
              message: 'The connection to `cutover serve` closed.',
              workaround: 'Check that `cutover serve` is still running, then reload the page.',
            },
          })
        }
        pending.clear()
      }
      ws.onmessage = (message) => {
        const data = JSON.parse(String(message.data)) as BridgeServerMessage
        if (data.kind === 'result') {
          pending.get(data.id)?.(data.envelope)
          pending.delete(data.id)
        } else {
          for (const listener of listeners.get(data.channel) ?? []) listener(data.payload)
        }
      }
    })
    return socket
  }

  const invoke = Object.fromEntries(
    invokeChannels.map((channel) => [
      channel,
      async (payload: unknown) => {
        const ws = await connect()
        const id = nextId++
        return new Promise<Envelope<unknown>>((resolve) => {
          pending.set(id, resolve)
          ws.send(JSON.stringify({ kind: 'invoke', id, channel, payload }))
        })
      },
    ]),
  ) as unknown as CutoverTransport['invoke']

  const on = Object.fromEntries(
    eventChannels.map((channel) => [
      channel,
      (listener: (payload: unknown) => void) => {
        const set = listeners.get(channel) ?? new Set()
        set.add(listener)
        listeners.set(channel, set)
        void connect()
        return () => set.delete(listener)
      },
    ]),
  ) as unknown as CutoverTransport['on']

  return { invoke, on }
}
