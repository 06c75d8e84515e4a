/**
 * One owner per job: a run holds the job's lease in the store (owner, pid, host, times) from before its first
 * statement until its outcome is written, renewing it while it runs. The store makes taking it atomic; this module
 * decides when a held lease is abandoned and says who holds it.
 */
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { CutoverError } from '../../shared/domain/errors'
import type { JobLease, JobStore, StoredJob } from '../store/jobStore'

/** How often a running job renews its lease. */
export const leaseRenewMs = 5_000
/** How often a run's lease timer also looks for requests of other processes (`onTick`): every second. */
export const controlPollMs = 1_000
/**
 * A lease not renewed for this long is abandoned whoever held it: the only test for an owner on another host, whose
 * pid means nothing here (a laptop that slept that long loses the job and stops when it wakes).
 */
export const leaseExpiryMs = 60_000

/** Whether a process with this pid exists on this host (EPERM: it exists but belongs to another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export interface LeaseContext {
  host: string
  now: number
  alive: (pid: number) => boolean
}

const here = (): LeaseContext => ({ host: hostname(), now: Date.now(), alive: processAlive })

/** Why a held lease is abandoned, or null while its owner may still be running the job. */
export function leaseAbandonment(held: JobLease, context: LeaseContext = here()): string | null {
  const silentMs = context.now - Date.parse(held.renewedAt)
  if (held.host === context.host && !context.alive(held.pid)) return `process ${held.pid} on ${held.host} has ended`
  if (silentMs > leaseExpiryMs) {
    return `its lease was last renewed ${Math.round(silentMs / 1000)} s ago (it expires after ${leaseExpiryMs / 1000} s)`
  }
  return null
}

export function jobOwnedElsewhere(jobName: string, holder: JobLease): CutoverError {
  return new CutoverError({
    code: 'JOB_OWNED_ELSEWHERE',
    message: `The job "${jobName}" is being run by process ${holder.pid} on host ${holder.host} since ${holder.acquiredAt} (lease renewed ${holder.renewedAt}); a job has one owner at a time.`,
    workaround: `Let that run finish, or stop it there (Ctrl-C in its terminal, or Pause in its window), then run the job again. If that process is gone, Cutover takes the job over at once on the same host, or ${leaseExpiryMs / 1000} s after its last renewal from another host.`,
  })
}

export interface HeldLease {
  readonly owner: string
  /** The lease this run took over from a dead or silent owner, with the reason; null when it was free. */
  readonly takenOver: { lease: JobLease; reason: string } | null
  release(): void
}

/**
 * Takes the job's lease or throws JOB_OWNED_ELSEWHERE, then renews it every `leaseRenewMs`; `onLost` runs once if
 * a renewal finds the lease gone (another owner judged this one abandoned). `onTick`, when given, runs on the same
 * timer every `controlPollMs` while the lease is held.
 */
export function takeJobLease(
  store: JobStore,
  job: Pick<StoredJob, 'id' | 'name'>,
  onLost: () => void,
  onTick?: () => void,
): HeldLease {
  const owner = randomUUID()
  let reason = ''
  const outcome = store.acquireLease(job.id, { owner, pid: process.pid, host: hostname() }, (held) => {
    reason = leaseAbandonment(held) ?? ''
    return reason !== ''
  })
  if (!outcome.acquired) throw jobOwnedElsewhere(job.name, outcome.holder)
  const tickMs = onTick ? controlPollMs : leaseRenewMs
  const ticksPerRenewal = leaseRenewMs / tickMs
  let ticks = 0
  const renew = (): boolean => {
    try {
      return store.renewLease(job.id, owner)
    } catch {
      // A busy or briefly unwritable store: the lease stays ours until it expires; the next renewal tries again.
      return true
    }
  }
  const timer = setInterval(() => {
    ticks += 1
    if (ticks % ticksPerRenewal === 0 && !renew()) {
      clearInterval(timer)
      onLost()
      return
    }
    onTick?.()
  }, tickMs)
  timer.unref()
  return {
    owner,
    takenOver: outcome.takenOver ? { lease: outcome.takenOver, reason } : null,
    release() {
      clearInterval(timer)
      store.releaseLease(job.id, owner)
    },
  }
}

/** The live owner of a job other than this process's runs, or null when the job is free to take. */
export function liveLeaseHolder(store: JobStore, jobId: string): JobLease | null {
  const held = store.getLease(jobId)
  return held && leaseAbandonment(held) === null ? held : null
}
