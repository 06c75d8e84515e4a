import type { EventChannel, EventPayload } from '../../shared/ipc/contract'

export type EngineEventListener = <E extends EventChannel>(channel: E, payload: EventPayload<E>) => void

/** The engine's outbound events, typed by the contract. Hosts (IPC, bridge, CLI) subscribe; stages only emit. */
export interface EngineEvents {
  emit<E extends EventChannel>(channel: E, payload: EventPayload<E>): void
  subscribe(listener: EngineEventListener): () => void
}

export function createEngineEvents(): EngineEvents {
  const listeners = new Set<EngineEventListener>()
  return {
    emit(channel, payload) {
      for (const listener of listeners) {
        try {
          listener(channel, payload)
        } catch {
          // A failing subscriber (e.g. a closed window) must never break the job that emitted.
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
