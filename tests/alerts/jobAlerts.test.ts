/**
 * Alerts through the real engine and store: a real job is paused mid-copy, the engine's clock is moved past the
 * stopped-job threshold, and `job:alert` arrives; an engine created again on the same store (an app restart) raises
 * it again at once from the stored status time; resuming the job clears it. Settings go through the store.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Engine } from '../../src/main/engine/engine'
import { createEngine } from '../../src/main/engine/engine'
import { memoryOnlySecrets } from '../../src/main/engine/secretBox'
import { openJobStore } from '../../src/main/store/jobStore'
import type { JobAlertEvent, JobProgress } from '../../src/shared/domain/events'
import { jobConfigSchema } from '../../src/shared/domain/job'
import { closeScratchDatabase, openScratchDatabase, sourceServer, targetServer, uniqueName } from '../harness/servers'

const hour = 3_600_000

async function until(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('job alerts through the engine and the store', () => {
  const db = uniqueName('alerts')
  const dir = mkdtempSync(join(tmpdir(), 'cutover-alerts-'))
  const storePath = join(dir, 'cutover.db')
  let source: Connection
  let target: Connection
  const engines: Engine[] = []

  beforeAll(async () => {
    ;({ source, target } = await openScratchDatabase(db))
    await source.query(`CREATE TABLE \`${db}\`.events (id INT PRIMARY KEY, what VARCHAR(300))`)
    await source.query(`INSERT INTO \`${db}\`.events SELECT seq, REPEAT('e', 200) FROM \`${db}\`.seq_1_to_30000`)
  })
  afterAll(async () => {
    for (const engine of engines) await engine.shutdown().catch(() => undefined)
    await closeScratchDatabase(db, source, target)
    rmSync(dir, { recursive: true, force: true })
  })

  /** An engine on the store whose clock runs `offset()` ahead, evaluating alerts every 100 ms. */
  function engineAhead(offset: () => number) {
    const engine = createEngine({
      store: openJobStore(storePath),
      secrets: memoryOnlySecrets,
      alerts: { now: () => Date.now() + offset(), intervalMs: 100 },
    })
    engines.push(engine)
    const alerts: JobAlertEvent[] = []
    let rowsDone = 0
    engine.events.subscribe((channel, payload) => {
      if (channel === 'job:alert') alerts.push(payload as JobAlertEvent)
      if (channel === 'job:progress') rowsDone = (payload as JobProgress).tables.reduce((n, t) => n + t.rowsDone, 0)
    })
    return { engine, alerts, rowsDone: () => rowsDone }
  }

  it('raises a stopped-job alert once, again after a restart, and clears it when the job resumes', async () => {
    let ahead = 0
    const first = engineAhead(() => ahead)
    expect(first.engine.getSettings().alerts.stoppedMinutes).toBe(360)
    const config = jobConfigSchema.parse({
      name: 'alerts-paused',
      source: sourceServer(),
      target: targetServer(),
      type: 'existing',
      objects: [db],
      spec: { concurrency: 1, exportMBps: 1 },
    })
    const job = first.engine.createJob(config)
    first.engine.startJob(job.id)
    await until('the job to copy rows', () => first.rowsDone() > 0)
    await first.engine.controlJob(job.id, { action: 'pause' })
    expect(first.engine.getJob(job.id).status).toBe('paused')
    expect(first.engine.listAlerts()).toEqual([])

    // 5 h 59 min: not yet; 6 h 1 min: once, however many ticks follow.
    ahead = 6 * hour - 60_000
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(first.alerts).toEqual([])
    ahead = 6 * hour + 60_000
    await until('the alert', () => first.alerts.length > 0)
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(first.alerts).toHaveLength(1)
    const raised = first.alerts[0]!
    expect(raised).toMatchObject({
      state: 'raised',
      alert: { jobId: job.id, jobName: 'alerts-paused', kind: 'stopped', status: 'paused' },
    })
    expect(raised.alert.since).toBe(first.engine.store.getJob(job.id)!.statusSince)
    expect(first.engine.listAlerts()).toEqual([raised.alert])
    first.engine.close()

    // The app restarts: the stored status time still says 6 h.
    const second = engineAhead(() => ahead)
    await until('the alert after a restart', () => second.alerts.length > 0)
    expect(second.alerts[0]).toEqual(raised)

    // Settings from the store: 7 h is not exceeded, so the alert clears; back to 6 h raises it.
    second.engine.setSettings({ alerts: { ...second.engine.getSettings().alerts, stoppedMinutes: 7 * 60 } })
    expect(second.alerts.map((a) => a.state)).toEqual(['raised', 'cleared'])
    second.engine.setSettings({ alerts: { ...second.engine.getSettings().alerts, stoppedMinutes: 6 * 60 } })
    expect(second.alerts.map((a) => a.state)).toEqual(['raised', 'cleared', 'raised'])

    second.engine.provideSecrets(job.id, config)
    second.engine.startJob(job.id)
    await until('the alert to clear', () => second.alerts.length === 4)
    expect(second.alerts[3]).toMatchObject({ state: 'cleared', alert: { jobId: job.id, kind: 'stopped' } })
    expect(second.engine.listAlerts()).toEqual([])
    expect(await second.engine.waitForJob(job.id)).toBe('finished')
  })
})
