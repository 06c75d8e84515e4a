/**
 * A job stopped during its existing-data copy resumes from a new snapshot. When a DDL ran on the source meanwhile,
 * the committed chunks and the target table are from the first snapshot's schema and the rest would come from the
 * second's (`Unknown column`). The resumed job must end equal: in logical and physical mode, for existing-data and
 * `both` jobs (whose replication starts at the first snapshot and so passes the DDL and the rows before it again).
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JobMode } from '../../src/shared/domain/job'
import { openScratchDatabase, closeScratchDatabase, sourceServer, targetServer, uniqueName } from '../harness/servers'
import { expectSameTables, runJob, waitForStage } from './replicationFixture'

describe.each<[JobMode, 'existing' | 'both']>([
  ['logical', 'both'],
  ['physical', 'existing'],
])('%s %s job resumed after source DDL while stopped', (mode, type) => {
  const db = uniqueName(`rddl_${mode.slice(0, 4)}`)
  let source: Connection
  let target: Connection

  beforeAll(async () => {
    ;({ source, target } = await openScratchDatabase(db))
    await source.query(`CREATE TABLE \`${db}\`.wide (id INT PRIMARY KEY, payload VARCHAR(1200) NOT NULL, gone INT)`)
    await source.query(`CREATE TABLE \`${db}\`.steady (id INT PRIMARY KEY, v INT)`)
    await source.query(`INSERT INTO \`${db}\`.wide SELECT seq, REPEAT(MD5(seq), 32), seq FROM \`${db}\`.seq_1_to_12000`)
    await source.query(`INSERT INTO \`${db}\`.steady SELECT seq, seq FROM \`${db}\`.seq_1_to_3000`)
    await source.query(`ANALYZE TABLE \`${db}\`.wide, \`${db}\`.steady`)
  })
  afterAll(async () => {
    await closeScratchDatabase(db, source, target)
  })

  it('ends equal, the changed table copied again with the new schema', async () => {
    const config = {
      name: `resume-ddl-${mode}`,
      source: sourceServer(),
      target: targetServer(),
      type,
      mode,
      objects: [db],
      spec: { concurrency: 2, exportMBps: 1 },
    }
    const first = runJob(config, { targetChunkBytes: 256 * 1024 })
    for (let i = 0; i < 400; i++) {
      if (first.store.listChunks(first.jobId).some((c) => c.state === 'done' && c.table.endsWith('.wide'))) break
      await new Promise((r) => setTimeout(r, 50))
    }
    first.run.pause()
    expect(await first.run.done, first.logs.join('\n')).toBe('paused')
    const chunks = first.store.listChunks(first.jobId).filter((c) => c.table.endsWith('.wide'))
    expect(chunks.some((c) => c.state === 'done')).toBe(true)
    expect(chunks.some((c) => c.state !== 'done')).toBe(true)

    // While the job is stopped: rows written under the old schema, the DDL, rows under the new one.
    await source.query(`UPDATE \`${db}\`.wide SET gone = -gone WHERE id % 100 = 0`)
    await source.query(`ALTER TABLE \`${db}\`.wide ADD COLUMN added_late INT NOT NULL DEFAULT 5, DROP COLUMN gone`)
    await source.query(`UPDATE \`${db}\`.wide SET added_late = id WHERE id % 7 = 0`)
    await source.query(`DELETE FROM \`${db}\`.wide WHERE id % 11 = 0`)
    await source.query(`UPDATE \`${db}\`.steady SET v = -v WHERE id % 5 = 0`)

    const second = runJob(
      { ...config, spec: { concurrency: 2, exportMBps: 0 } },
      { targetChunkBytes: 256 * 1024 },
      undefined,
      {
        store: first.store,
        jobId: first.jobId,
      },
    )
    if (type === 'both') {
      await waitForStage(second.store, second.jobId, 'incremental', second.run)
      await source.query(`INSERT INTO \`${db}\`.wide (id, payload, added_late) VALUES (20001, 'after', 9)`)
      await second.caughtUpAfter(Date.now())
      second.run.pause()
      expect(await second.run.done, second.logs.join('\n')).toBe('paused')
      // Replication starts at the first snapshot: the DDL and the old-schema updates before it are in the copy.
      expect(second.logs.join('\n')).toMatch(/REPLICATE_DDL_IN_COPY/)
    } else {
      expect(await second.run.done, second.logs.join('\n')).toBe('finished')
    }
    expect(second.logs.join('\n')).toMatch(/LOAD_TABLE_RECOPIED/)
    // Its progress says so while it is copied again: 'restarted', not 'copying' like a table that carries on.
    const phases = second.progress.flatMap((p) => p.tables.filter((t) => t.table === `${db}.wide`).map((t) => t.phase))
    expect(phases).toContain('restarted')
    expect(phases).not.toContain('copying')
    await expectSameTables(source, target, db)
  }, 120_000)
})
