import { describe, expect, it } from 'vitest'
import { eventChannels, invokeChannels } from '../shared/ipc/contract'
import { buildApi } from './buildApi'

describe('preload api', () => {
  it('has exactly one invoke method per contract channel, each calling its own channel', async () => {
    const calls: [string, unknown][] = []
    const api = buildApi({
      invoke: async (channel: string, payload: unknown) => {
        calls.push([channel, payload])
        return { ok: true, value: null }
      },
      on: () => undefined as never,
      removeListener: () => undefined as never,
    })
    expect(Object.keys(api.invoke).sort()).toEqual([...invokeChannels].sort())
    for (const channel of invokeChannels) {
      await (api.invoke[channel] as (r: unknown) => Promise<unknown>)({ probe: channel })
    }
    expect(calls).toEqual(invokeChannels.map((c) => [c, { probe: c }]))
  })

  it('subscribes per event channel and unsubscribes the same listener', () => {
    const subscribed: string[] = []
    const removed: string[] = []
    const handlers = new Map<string, (event: unknown, payload: unknown) => void>()
    const api = buildApi({
      invoke: async () => null,
      on: ((channel: string, handler: (event: unknown, payload: unknown) => void) => {
        subscribed.push(channel)
        handlers.set(channel, handler)
      }) as never,
      removeListener: ((channel: string, handler: unknown) => {
        if (handlers.get(channel) === handler) removed.push(channel)
      }) as never,
    })
    expect(Object.keys(api.on).sort()).toEqual([...eventChannels].sort())
    const received: unknown[] = []
    const off = api.on['job:log']((p) => received.push(p))
    handlers.get('job:log')!({}, { id: 1 })
    off()
    expect(received).toEqual([{ id: 1 }])
    expect(subscribed).toEqual(['job:log'])
    expect(removed).toEqual(['job:log'])
    expect(Object.isFrozen(api.invoke)).toBe(true)
  })
})
