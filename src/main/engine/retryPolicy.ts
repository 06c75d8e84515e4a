/**
 * How a job rides out a lost server, in every stage: a transient error (a reset, refused or timed-out connection,
 * a server restart, a deadlock) ends the current attempt, the run waits with exponential backoff and starts again
 * from its checkpoints; an outage that outlasts the job's retry budget (`spec.retryMinutes`) fails the job with
 * RETRY_BUDGET_EXHAUSTED. Anything else (access denied, a duplicate key, bad SQL) is not transient and fails the
 * job at once. The budget is wall time from the first failure of an outage; progress after a retry (a chunk
 * committed, a binlog event applied) ends the outage, so the next one gets the whole budget again.
 */
import { CutoverError, type Stage } from '../../shared/domain/errors'

export interface RetryPolicyOptions {
  /** How long one outage may last before the job fails. 0: no retry. */
  budgetMs: number
  /** The first wait; each further attempt of one outage waits twice as long, up to `capMs`. */
  baseMs?: number
  capMs?: number
  now?: () => number
}

export type RetryDecision =
  | { retry: true; attempt: number; delayMs: number; nextAttemptAt: number; givesUpAt: number }
  | { retry: false; attempts: number; spentMs: number }

export interface RetryPolicy {
  readonly budgetMs: number
  /** A transient failure: when to try again, or that the outage has lasted the budget. */
  failed(): RetryDecision
  /** Work moved forward: the outage (if any) is over. True when there was one. */
  recovered(): boolean
}

export const defaultRetryBaseMs = 1000
export const defaultRetryCapMs = 30_000

export function createRetryPolicy(options: RetryPolicyOptions): RetryPolicy {
  const now = options.now ?? Date.now
  const base = options.baseMs ?? defaultRetryBaseMs
  const cap = options.capMs ?? defaultRetryCapMs
  const budgetMs = Math.max(0, options.budgetMs)
  let outageStart: number | null = null
  let attempts = 0
  return {
    budgetMs,
    failed() {
      const at = now()
      outageStart ??= at
      attempts += 1
      const givesUpAt = outageStart + budgetMs
      if (at >= givesUpAt) return { retry: false, attempts, spentMs: at - outageStart }
      // The last attempt is made when the budget ends, not after it.
      const delayMs = Math.min(cap, base * 2 ** (attempts - 1), givesUpAt - at)
      return { retry: true, attempt: attempts, delayMs, nextAttemptAt: at + delayMs, givesUpAt }
    },
    recovered() {
      const was = outageStart !== null
      outageStart = null
      attempts = 0
      return was
    },
  }
}

/** Socket and protocol codes of a connection that is gone or cannot be made now (a route that comes back). */
const lostCodes = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
])

/**
 * Server errors that a later attempt does not meet: 1053 server shutdown, 1927 connection killed, 2006 server
 * gone away, 2013 lost connection during a query, 1205 lock wait timeout, 1213 deadlock.
 */
const transientErrnos = new Set([1053, 1205, 1213, 1927, 2006, 2013])

/** Whether trying again later can succeed: a lost or refused connection, a server restart, a lock conflict. */
export function isTransient(error: unknown): boolean {
  if (error instanceof CutoverError) return error.retryable
  const e = error as { code?: string; errno?: number; fatal?: boolean; message?: string } | null
  if (!e || typeof e !== 'object') return false
  if (e.code && lostCodes.has(e.code)) return true
  if (e.errno !== undefined && transientErrnos.has(e.errno)) return true
  // mysql2 refuses every command on a connection that already failed: the failure was the loss.
  return e.fatal === true && /closed state/i.test(e.message ?? '')
}

/** Waits `ms`, or less when `signal` aborts (a pause during a backoff ends it at once). */
export function backoff(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}

/** "12:04:31" in local time, as the job's log and the details page show the next attempt. */
export function clockTime(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8)
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000)
  return s < 120 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`
}

/** The job's failure once an outage has lasted the whole budget: the lost server, the time spent, the fix. */
export function budgetExhausted(options: {
  cause: CutoverError
  stage: Stage | null
  server: string
  attempts: number
  spentMs: number
  budgetMs: number
}): CutoverError {
  const { cause, server, attempts, spentMs, budgetMs } = options
  return new CutoverError({
    code: 'RETRY_BUDGET_EXHAUSTED',
    stage: options.stage,
    retryable: false,
    message:
      budgetMs === 0
        ? `Lost the connection to ${server}, and the job does not retry (spec.retryMinutes is 0). Error: [${cause.code}] ${cause.message}`
        : `Lost the connection to ${server} and could not get it back in ${duration(spentMs)} (${attempts} attempts; the job's retry budget is ${duration(budgetMs)}). Last error: [${cause.code}] ${cause.message}`,
    workaround: `Check the network path to ${server} (VPN, Wi-Fi, firewall, the server itself), then Resume the job: it continues from its checkpoints. For longer outages, raise spec.retryMinutes.`,
  })
}
