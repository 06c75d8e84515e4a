/**
 * The only module that touches window.api. Picks the transport (preload in Electron, WebSocket bridge in a
 * browser), unwraps envelopes, and throws ApiError carrying the engine's code and workaround.
 */
import { workaroundFor, type CutoverErrorShape } from '../../shared/domain/errors'
import type {
  CutoverTransport,
  Envelope,
  EventChannel,
  EventPayload,
  InvokeChannel,
  InvokeRequest,
  InvokeResponse,
} from '../../shared/ipc/contract'
import { createBridgeTransport } from './bridgeTransport'

export class ApiError extends Error implements CutoverErrorShape {
  readonly code: string
  readonly stage: CutoverErrorShape['stage']
  readonly retryable: boolean
  readonly workaround: string
  constructor(shape: CutoverErrorShape) {
    super(shape.message)
    this.code = shape.code
    this.stage = shape.stage
    this.retryable = shape.retryable
    // The app's own wording where the engine has one (a form field rather than a job file's).
    this.workaround = workaroundFor(shape, 'app')
  }
}

const transport: CutoverTransport = window.api ?? createBridgeTransport(window.location)

export const hostKind: 'electron' | 'bridge' = window.api ? 'electron' : 'bridge'

export async function call<C extends InvokeChannel>(channel: C, request: InvokeRequest<C>): Promise<InvokeResponse<C>> {
  const invoke = transport.invoke[channel] as unknown as (r: InvokeRequest<C>) => Promise<Envelope<InvokeResponse<C>>>
  const envelope = await invoke(request)
  if (!envelope.ok) throw new ApiError(envelope.error)
  return envelope.value as InvokeResponse<C>
}

export function subscribe<E extends EventChannel>(
  channel: E,
  listener: (payload: EventPayload<E>) => void,
): () => void {
  const on = transport.on[channel] as (l: (p: EventPayload<E>) => void) => () => void
  return on(listener)
}
