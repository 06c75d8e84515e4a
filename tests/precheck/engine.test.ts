/** `precheck:run` / `precheck:cancel` through the engine and the IPC dispatch, with results saved to the job store. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEngine, type Engine } from '../../src/main/engine/engine'
import { memoryOnlySecrets } from '../../src/main/engine/secretBox'
import { createDispatch } from '../../src/main/ipc/dispatch'
import { createHandlers } from '../../src/main/ipc/handlers'
import { openJobStore } from '../../src/main/store/jobStore'
import type { PrecheckReport } from '../../src/shared/domain/precheck'
import { connectSource, sourceServer, targetServer, uniqueName } from '../harness/servers'
import { jobFor } from './fixtures'

describe('engine precheck', () => {
  const db = uniqueName('pc_engine')
  let engine: Engine

  beforeAll(async () => {
    const source = await connectSource()
    await source.query(`CREATE DATABASE \`${db}\`; CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY)`)
    await source.end()
    engine = createEngine({ store: openJobStore(':memory:'), secrets: memoryOnlySecrets })
  })

  afterAll(async () => {
    engine?.close()
    const source = await connectSource()
    await source.query(`DROP DATABASE IF EXISTS \`${db}\``)
    await source.end()
  })

  it('runs a stored job with its stored passwords, streams items and saves the results', async () => {
    const job = engine.createJob(jobFor(sourceServer(), targetServer(), { name: 'engine-precheck', objects: [db] }))
    const streamed: string[] = []
    const unsubscribe = engine.events.subscribe((channel, payload) => {
      if (channel === 'precheck:item') streamed.push((payload as { runId: string; item: { id: string } }).item.id)
    })
    const dispatch = createDispatch(createHandlers(engine, { host: 'bridge', version: 'test' }))
    const envelope = await dispatch('precheck:run', { runId: 'run-1', jobId: job.id })
    unsubscribe()
    expect(envelope.ok).toBe(true)
    const report = (envelope as { ok: true; value: PrecheckReport }).value
    expect(report.summary.failed).toBe(0)
    expect(streamed.sort()).toEqual(report.items.map((i) => i.id).sort())
    const saved = engine.store.listPrecheckResults(job.id)
    expect(saved.map((r) => r.itemId).sort()).toEqual(report.items.map((i) => i.id).sort())
    expect(JSON.stringify(report)).not.toContain(sourceServer().password)
  })

  it('cancels a running precheck by its run id, and refuses malformed requests', async () => {
    const dispatch = createDispatch(createHandlers(engine, { host: 'bridge', version: 'test' }))
    const config = jobFor(sourceServer(), targetServer(), { name: 'engine-cancel', objects: [db] })
    const running = dispatch('precheck:run', { runId: 'run-2', config })
    await new Promise((r) => setTimeout(r, 20))
    expect(await dispatch('precheck:cancel', { runId: 'run-2' })).toEqual({ ok: true, value: { cancelled: true } })
    const result = await running
    expect(result.ok).toBe(false)
    expect((result as { ok: false; error: { code: string } }).error.code).toBe('PRECHECK_CANCELLED')
    expect(await dispatch('precheck:cancel', { runId: 'run-2' })).toEqual({ ok: true, value: { cancelled: false } })
    const invalid = await dispatch('precheck:run', { config: { name: 'x' } })
    expect(invalid).toMatchObject({ ok: false, error: { code: 'IPC_INVALID_PAYLOAD' } })
  })

  it('fails a job whose target tables another job of the store writes, naming it and the tables', async () => {
    const own = createEngine({ store: openJobStore(':memory:'), secrets: memoryOnlySecrets })
    try {
      const first = own.createJob(jobFor(sourceServer(), targetServer(), { name: 'writer-a', objects: [db] }))
      const second = jobFor(sourceServer(), targetServer(), { name: 'writer-b', objects: [`${db}.t`] })
      const report = await own.runPrecheck({ config: second })
      const item = report.items.find((i) => i.id === 'shared_target_tables')
      expect(item?.status).toBe('failed')
      expect(item?.message).toContain(`"writer-a" (created): ${db}.t.`)
      await own.deleteJob(first.id)
      const alone = await own.runPrecheck({ config: second })
      expect(alone.items.find((i) => i.id === 'shared_target_tables')?.status).toBe('pass')
    } finally {
      own.close()
    }
  })
})
