/**
 * Parses and routes one invoke: unknown channels and payloads that fail the contract's schema are refused
 * with a coded error before any engine code runs. Errors come back in an envelope, never as throws.
 */
import type { z } from 'zod'
import type { CutoverErrorShape } from '../../shared/domain/errors'
import { CutoverError, isCutoverErrorShape } from '../../shared/domain/errors'
import type { Envelope, InvokeChannel } from '../../shared/ipc/contract'
import { invokeContract, isInvokeChannel } from '../../shared/ipc/contract'
import type { Handlers } from './handlers'

/** Who made a call: Electron's WebContents of the calling window (opaque outside the shell); empty over the bridge. */
export interface InvokeOrigin {
  readonly sender?: object
}

export type Dispatch = (channel: string, payload: unknown, origin?: InvokeOrigin) => Promise<Envelope<unknown>>

function describeIssues(issues: z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(payload)'}: ${i.message}`)
    .join('; ')
}

export function toErrorShape(error: unknown): CutoverErrorShape {
  if (error instanceof CutoverError) return error.toShape()
  if (isCutoverErrorShape(error)) return error
  return {
    code: 'INTERNAL',
    stage: null,
    retryable: false,
    message: error instanceof Error ? error.message : String(error),
    workaround: 'This is a bug in Cutover. Export the job log and report it.',
  }
}

export function createDispatch(handlers: Handlers): Dispatch {
  return async (channel, payload, origin = {}) => {
    if (!isInvokeChannel(channel)) {
      return {
        ok: false,
        error: toErrorShape(
          new CutoverError({
            code: 'IPC_UNKNOWN_CHANNEL',
            message: `"${String(channel).slice(0, 80)}" is not a Cutover channel.`,
            workaround: 'The app and its window are from different versions; restart Cutover.',
          }),
        ),
      }
    }
    const parsed = invokeContract[channel].request.safeParse(payload ?? {})
    if (!parsed.success) {
      return {
        ok: false,
        error: toErrorShape(
          new CutoverError({
            code: 'IPC_INVALID_PAYLOAD',
            message: `Invalid request for ${channel}: ${describeIssues(parsed.error.issues)}.`,
            workaround: 'Correct the highlighted fields and try again.',
          }),
        ),
      }
    }
    try {
      const handler = handlers[channel] as (request: unknown, origin: InvokeOrigin) => unknown
      return { ok: true, value: await handler(parsed.data, origin) }
    } catch (error) {
      return { ok: false, error: toErrorShape(error) }
    }
  }
}

export type { InvokeChannel }
