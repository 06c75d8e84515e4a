import { describe, expect, it } from 'vitest'
import type { JobAlertEvent } from '../../../shared/domain/events'
import { jobConfigSchema } from '../../../shared/domain/job'
import { openJobStore } from '../../store/jobStore'
import { createEngineEvents } from '../engineEvents'
import { watchAlerts } from './alertWatch'

const config = jobConfigSchema.parse({
  name: 'orders',
  source: { host: 'db', user: 'u' },
  target: { host: 'tidb', user: 'u' },
  type: 'both',
})

describe('alert watch', () => {
  it('raises a rising-lag alert from the lag a job run by another process writes to the store', () => {
    const store = openJobStore(':memory:')
    const events = createEngineEvents()
    const seen: JobAlertEvent[] = []
    events.subscribe((channel, payload) => {
      if (channel === 'job:alert') seen.push(payload as JobAlertEvent)
    })
    let now = Date.parse('2026-12-07T08:00:00.000Z')
    const watch = watchAlerts({ store, events, now: () => now, intervalMs: 3_600_000 })
    const job = store.createJob(config)
    store.updateJob(job.id, { status: 'running', stage: 'incremental' })
    // Every 30 s (the watch's tick), 100 s of lag growing by 15 s: above 60 s and rising for 10 min at the 21st tick.
    for (let tick = 0; tick <= 20; tick++) {
      store.updateJob(job.id, { lagSeconds: 100 + tick * 15 })
      watch.evaluate()
      expect(seen, `tick ${tick}`).toHaveLength(tick < 20 ? 0 : 1)
      now += 30_000
    }
    expect(seen[0]).toMatchObject({ state: 'raised', alert: { kind: 'lagRising', jobName: 'orders', lagSeconds: 400 } })

    store.updateJob(job.id, { lagSeconds: 2 })
    watch.evaluate()
    expect(seen.map((e) => e.state)).toEqual(['raised', 'cleared'])
    watch.stop()
    store.close()
  })
})
