import { hostname } from 'node:os'
import { describe, expect, it, vi } from 'vitest'
import { jobConfigSchema } from '../../shared/domain/job'
import { openJobStore, type JobLease } from '../store/jobStore'
import {
  controlPollMs,
  jobOwnedElsewhere,
  leaseAbandonment,
  leaseExpiryMs,
  leaseRenewMs,
  liveLeaseHolder,
  takeJobLease,
} from './jobLease'

const at = Date.parse('2026-01-01T10:00:00.000Z')
const lease = (over: Partial<JobLease> = {}): JobLease => ({
  owner: 'o',
  pid: 4242,
  host: 'laptop',
  acquiredAt: '2026-01-01T09:00:00.000Z',
  renewedAt: new Date(at - 3_000).toISOString(),
  ...over,
})

describe('lease abandonment', () => {
  it('keeps a recently renewed lease whose process lives', () => {
    expect(leaseAbandonment(lease(), { host: 'laptop', now: at, alive: () => true })).toBeNull()
  })

  it('takes over at once on the same host when the pid is gone', () => {
    expect(leaseAbandonment(lease(), { host: 'laptop', now: at, alive: () => false })).toBe(
      'process 4242 on laptop has ended',
    )
  })

  it("cannot judge another host's pid: waits for the expiry", () => {
    const checked: number[] = []
    const context = { host: 'desktop', now: at, alive: (pid: number) => (checked.push(pid), false) }
    expect(leaseAbandonment(lease(), context)).toBeNull()
    expect(checked).toEqual([])
    const silent = lease({ renewedAt: new Date(at - leaseExpiryMs - 1_000).toISOString() })
    expect(leaseAbandonment(silent, context)).toMatch(/last renewed 61 s ago \(it expires after 60 s\)/)
  })

  it('names the holder, its start and both ways out in the refusal', () => {
    const error = jobOwnedElsewhere('orders', lease())
    expect(error.code).toBe('JOB_OWNED_ELSEWHERE')
    expect(error.message).toContain('process 4242 on host laptop since 2026-01-01T09:00:00.000Z')
    expect(error.workaround).toMatch(/at once on the same host, or 60 s after its last renewal from another host/)
  })
})

describe('takeJobLease', () => {
  const config = jobConfigSchema.parse({
    name: 'orders',
    source: { host: 's', user: 'u' },
    target: { host: 't', user: 'r' },
  })

  it("refuses while this host's live process holds the job, takes over a dead pid's lease, and releases", () => {
    const store = openJobStore(':memory:')
    const job = store.createJob(config)
    // This test's own process: alive.
    store.acquireLease(job.id, { owner: 'other', pid: process.pid, host: hostname() }, () => false)
    expect(() => takeJobLease(store, job, () => undefined)).toThrow(/is being run by process/)
    expect(liveLeaseHolder(store, job.id)?.owner).toBe('other')

    // A pid no process has (above the kernel's pid_max).
    store.acquireLease(job.id, { owner: 'dead', pid: 2 ** 30, host: hostname() }, () => true)
    expect(liveLeaseHolder(store, job.id)).toBeNull()
    const held = takeJobLease(store, job, () => undefined)
    expect(held.takenOver).toMatchObject({ lease: { owner: 'dead' }, reason: expect.stringMatching(/has ended/) })
    expect(store.getLease(job.id)).toMatchObject({ owner: held.owner, pid: process.pid })
    held.release()
    expect(store.getLease(job.id)).toBeNull()
    store.close()
  })

  it('renews while it runs, and says once when another owner took the job over', () => {
    vi.useFakeTimers()
    try {
      const store = openJobStore(':memory:')
      const job = store.createJob(config)
      const lost: number[] = []
      const held = takeJobLease(store, job, () => lost.push(Date.now()))
      const first = store.getLease(job.id)!.renewedAt
      vi.setSystemTime(Date.now() + leaseRenewMs)
      vi.advanceTimersByTime(leaseRenewMs)
      expect(store.getLease(job.id)!.renewedAt > first).toBe(true)
      expect(lost).toEqual([])
      // Another host judged this lease abandoned and took it.
      store.acquireLease(job.id, { owner: 'other-host', pid: 7, host: 'desktop' }, () => true)
      vi.advanceTimersByTime(leaseRenewMs * 3)
      expect(lost).toHaveLength(1)
      held.release()
      expect(store.getLease(job.id)?.owner).toBe('other-host')
      store.close()
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('takeJobLease with a control poll', () => {
  const config = jobConfigSchema.parse({
    name: 'orders',
    source: { host: 's', user: 'u' },
    target: { host: 't', user: 'r' },
  })

  it('ticks every second and still renews every five', () => {
    vi.useFakeTimers()
    try {
      const store = openJobStore(':memory:')
      const job = store.createJob(config)
      let ticks = 0
      const held = takeJobLease(
        store,
        job,
        () => undefined,
        () => (ticks += 1),
      )
      const renewals: string[] = []
      for (let s = 1; s <= 10; s++) {
        vi.setSystemTime(Date.now() + controlPollMs)
        vi.advanceTimersByTime(controlPollMs)
        renewals.push(store.getLease(job.id)!.renewedAt)
      }
      expect(ticks).toBe(10)
      // Renewed at the 5th and 10th second only.
      expect(new Set(renewals).size).toBe(3)
      expect(renewals[3]).not.toBe(renewals[4])
      expect(renewals[4]).toBe(renewals[8])
      held.release()
      vi.advanceTimersByTime(controlPollMs * 3)
      expect(ticks).toBe(10)
      store.close()
    } finally {
      vi.useRealTimers()
    }
  })
})
