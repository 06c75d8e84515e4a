/**
 * Forwards engine events to a window or socket at a bounded rate: `job:progress` is coalesced per job to
 * the latest value every `intervalMs` (a load emits it per batch); every other event goes out at once and
 * in order, after flushing pending progress so a stage change never overtakes the progress before it.
 */
import type { EventChannel } from '../../shared/ipc/contract'
import type { EngineEventListener } from '../engine/engineEvents'

export type Send = (channel: EventChannel, payload: unknown) => void

export interface Coalescer {
  listener: EngineEventListener
  flush(): void
  stop(): void
}

export function createCoalescer(send: Send, intervalMs = 250): Coalescer {
  const pending = new Map<string, unknown>()
  let timer: NodeJS.Timeout | null = null

  function flush(): void {
    if (timer) {
      clearTimeout(timer)
      timer = null
    }
    for (const payload of pending.values()) send('job:progress', payload)
    pending.clear()
  }

  const listener: EngineEventListener = (channel, payload) => {
    if (channel === 'job:progress') {
      pending.set((payload as { jobId: string }).jobId, payload)
      timer ??= setTimeout(flush, intervalMs)
      return
    }
    flush()
    send(channel, payload)
  }

  return {
    listener,
    flush,
    stop() {
      if (timer) clearTimeout(timer)
      timer = null
      pending.clear()
    },
  }
}
