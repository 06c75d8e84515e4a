import { describe, expect, it } from 'vitest'
import { defaultSettings } from '../../../shared/domain/settings'
import type { JobFacts } from './alertRules'
import { createAlertRules } from './alertRules'

const settings = defaultSettings.alerts
const t0 = Date.parse('2026-12-07T08:00:00.000Z')
const minute = 60_000

function clock() {
  let at = t0
  return { now: () => at, advance: (ms: number) => (at += ms) }
}

const job = (patch: Partial<JobFacts> = {}): JobFacts => ({
  id: 'j1',
  name: 'orders',
  status: 'paused',
  statusSince: new Date(t0).toISOString(),
  ...patch,
})

describe('stopped-job alert', () => {
  it('is raised once when a job has been paused for 6 h, and cleared when it resumes', () => {
    const c = clock()
    const rules = createAlertRules(c.now)
    c.advance(6 * 60 * minute - 1)
    expect(rules.evaluate([job()], settings)).toEqual([])

    c.advance(1)
    const raised = rules.evaluate([job()], settings)
    expect(raised).toHaveLength(1)
    expect(raised[0]).toMatchObject({
      state: 'raised',
      alert: { jobId: 'j1', kind: 'stopped', status: 'paused', since: new Date(t0).toISOString() },
    })
    expect(raised[0]!.alert.message).toContain('paused for more than 6 h')

    c.advance(30 * minute)
    expect(rules.evaluate([job()], settings)).toEqual([])
    expect(rules.active()).toHaveLength(1)

    const resumed = job({ status: 'running', statusSince: new Date(c.now()).toISOString() })
    expect(rules.evaluate([resumed], settings)).toEqual([{ state: 'cleared', alert: raised[0]!.alert }])
    expect(rules.active()).toEqual([])
  })

  it('counts from the stored status time, so a new process raises it at once for a job paused long ago', () => {
    const c = clock()
    c.advance(7 * 60 * minute)
    const rules = createAlertRules(c.now)
    expect(rules.evaluate([job({ status: 'failed' })], settings)[0]?.alert.message).toContain('open it to see why')
  })

  it('treats failed and interrupted as stopped, and finished, created and running as not', () => {
    const c = clock()
    c.advance(24 * 60 * minute)
    const rules = createAlertRules(c.now)
    const statuses = ['failed', 'interrupted', 'finished', 'created', 'running'] as const
    const jobs = statuses.map((status, i) => job({ id: `j${i}`, status }))
    expect(
      rules
        .evaluate(jobs, settings)
        .map((e) => e.alert.status)
        .sort(),
    ).toEqual(['failed', 'interrupted'])
  })

  it('starts a new episode when the status changes (paused, then failed), and ends with a deleted job', () => {
    const c = clock()
    c.advance(7 * 60 * minute)
    const rules = createAlertRules(c.now)
    expect(rules.evaluate([job()], settings)).toHaveLength(1)
    const failedNow = job({ status: 'failed', statusSince: new Date(c.now()).toISOString() })
    expect(rules.evaluate([failedNow], settings).map((e) => e.state)).toEqual(['cleared'])
    c.advance(6 * 60 * minute)
    expect(rules.evaluate([failedNow], settings).map((e) => e.state)).toEqual(['raised'])
    expect(rules.evaluate([], settings).map((e) => e.state)).toEqual(['cleared'])
  })

  it('follows the configured time', () => {
    const c = clock()
    c.advance(31 * minute)
    const rules = createAlertRules(c.now)
    expect(rules.evaluate([job()], { ...settings, stoppedMinutes: 30 })[0]?.alert.message).toContain('30 min')
  })
})

describe('rising-lag alert', () => {
  const running = job({ status: 'running' })

  /** Feeds one lag sample every 10 s for `minutes`, lag = f(seconds since the start), evaluating as it goes. */
  function feed(
    rules: ReturnType<typeof createAlertRules>,
    c: ReturnType<typeof clock>,
    minutes: number,
    f: (s: number) => number,
  ) {
    const events = []
    for (let s = 0; s <= minutes * 60; s += 10) {
      rules.recordLag('j1', f(s))
      events.push(...rules.evaluate([running], settings))
      c.advance(10_000)
    }
    return events
  }

  it('is raised once when the lag stays above 60 s and keeps rising for 10 min', () => {
    const c = clock()
    const rules = createAlertRules(c.now)
    const events = feed(rules, c, 15, (s) => 70 + s / 2)
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({
      state: 'raised',
      alert: { kind: 'lagRising', since: new Date(t0).toISOString() },
    })
    // Raised 10 min after the first sample, not before.
    expect(events[0]!.alert.lagSeconds).toBe(70 + 600 / 2)
    expect(events[0]!.alert.message).toContain('kept rising for 10 min')
  })

  it('is not raised while the lag is high but falling, nor below the threshold', () => {
    const c = clock()
    const rules = createAlertRules(c.now)
    expect(feed(rules, c, 20, (s) => 2000 - s)).toEqual([])
    expect(feed(rules, c, 20, (s) => 10 + s / 100)).toEqual([])
  })

  it('is not raised when the lag dipped under the threshold within the window', () => {
    const c = clock()
    const rules = createAlertRules(c.now)
    expect(feed(rules, c, 10, (s) => (s === 300 ? 30 : 70 + s))).toEqual([])
  })

  it('is cleared once the lag falls below the threshold, and when the job stops', () => {
    const c = clock()
    const rules = createAlertRules(c.now)
    expect(feed(rules, c, 11, (s) => 100 + s)).toHaveLength(1)
    // A plateau above the threshold keeps it.
    expect(feed(rules, c, 5, () => 760)).toEqual([])
    expect(feed(rules, c, 1, () => 5).map((e) => e.state)).toEqual(['cleared'])

    expect(feed(rules, c, 11, (s) => 100 + s)).toHaveLength(1)
    const paused = job({ status: 'paused', statusSince: new Date(c.now()).toISOString() })
    expect(rules.evaluate([paused], settings).map((e) => `${e.state} ${e.alert.kind}`)).toEqual(['cleared lagRising'])
  })

  it('ignores an unknown lag (a job still copying its existing data)', () => {
    const c = clock()
    const rules = createAlertRules(c.now)
    for (let i = 0; i < 100; i++) {
      rules.recordLag('j1', null)
      c.advance(10_000)
    }
    expect(rules.evaluate([running], settings)).toEqual([])
  })
})
