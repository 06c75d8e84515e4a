/**
 * Pause during a throttled existing-data load: the job stops promptly (the readers' half-read chunks are
 * dropped, their sessions stay usable) and a resumed run finishes with source and target equal.
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JobMode } from '../../src/shared/domain/job'
import { jobConfigSchema } from '../../src/shared/domain/job'
import { startJob } from '../../src/main/engine/jobRunner'
import { openJobStore } from '../../src/main/store/jobStore'
import { openScratchDatabase, closeScratchDatabase, sourceServer, targetServer, uniqueName } from '../harness/servers'
import { compareTable } from '../harness/tableComparison'
import { recordingHost } from './jobRun'

const tables = ['customers', 'audit_trail', 'big_payloads']

describe.each<JobMode>(['logical', 'physical'])('pause and resume, %s mode', (mode) => {
  const db = uniqueName(`pause_${mode}`)
  let source: Connection
  let target: Connection

  beforeAll(async () => {
    ;({ source, target } = await openScratchDatabase(db))
    await source.query(`CREATE TABLE \`${db}\`.customers (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL)`)
    await source.query(`CREATE TABLE \`${db}\`.audit_trail (at DATETIME NOT NULL, message VARCHAR(200))`)
    await source.query(`CREATE TABLE \`${db}\`.big_payloads (id INT PRIMARY KEY, payload VARCHAR(1200) NOT NULL)`)
    await source.query(
      `INSERT INTO \`${db}\`.customers SELECT seq, CONCAT('customer ', seq) FROM \`${db}\`.seq_1_to_500`,
    )
    await source.query(
      `INSERT INTO \`${db}\`.audit_trail SELECT '2024-01-01' + INTERVAL seq MINUTE, REPEAT('event ', 30) FROM \`${db}\`.seq_1_to_8000`,
    )
    await source.query(
      `INSERT INTO \`${db}\`.big_payloads SELECT seq, REPEAT(MD5(seq), 32) FROM \`${db}\`.seq_1_to_24000`,
    )
    await source.query(`ANALYZE TABLE \`${db}\`.customers, \`${db}\`.audit_trail, \`${db}\`.big_payloads`)
  })
  afterAll(async () => {
    await closeScratchDatabase(db, source, target)
  })

  it('stops within seconds at 1 MB/s and a resumed run ends with equal tables', async () => {
    const store = openJobStore(':memory:')
    const config = jobConfigSchema.parse({
      name: `pause-${mode}`,
      source: { ...sourceServer() },
      target: { ...targetServer() },
      type: 'existing',
      mode,
      objects: [db],
      spec: { concurrency: 2, exportMBps: 1 },
    })
    const job = store.createJob(config)
    const logs: string[] = []
    let written = 0
    const hooks = recordingHost(store, {
      log: (e) => logs.push(`${e.level} ${e.message}`),
      progress: (p) => (written = p.tables.reduce((sum, t) => sum + t.rowsDone, 0)),
    })
    const first = startJob(job, config, hooks)
    for (let i = 0; i < 300 && written === 0; i++) await new Promise((r) => setTimeout(r, 50))
    expect(written, logs.join('\n')).toBeGreaterThan(0)
    const pausedAt = Date.now()
    first.pause()
    expect(await first.done, logs.join('\n')).toBe('paused')
    expect(Date.now() - pausedAt).toBeLessThan(5000)
    expect(store.listChunks(job.id).some((c) => c.state !== 'done')).toBe(true)

    const resumed = { ...config, spec: { ...config.spec, exportMBps: 0 } }
    const outcome = await startJob(store.getJob(job.id)!, resumed, hooks).done
    expect(outcome, logs.join('\n')).toBe('finished')
    for (const table of tables) {
      const diff = await compareTable(source, target, db, table)
      expect(diff.firstDifference, table).toBeNull()
      expect(diff.targetRows, table).toBe(diff.sourceRows)
      expect(diff.targetChecksum, table).toBe(diff.sourceChecksum)
    }
  })
})
