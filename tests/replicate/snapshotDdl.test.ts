/**
 * A DDL that queues behind the snapshot's FLUSH TABLES WITH READ LOCK runs milliseconds after UNLOCK TABLES: the
 * schema a job reads after the lock is then newer than its data and its binlog position, and replaying the DDL
 * from that position fails (`Duplicate column name`). Schema, data and position must be one point.
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  openScratchDatabase,
  closeScratchDatabase,
  connectSource,
  sourceServer,
  targetServer,
  uniqueName,
} from '../harness/servers'
import { expectSameTables, runJob, waitForStage } from './replicationFixture'

const db = uniqueName('snapddl')
let source: Connection
let target: Connection
let blocker: Connection
let ddl: Connection

beforeAll(async () => {
  ;({ source, target } = await openScratchDatabase(db))
  blocker = await connectSource()
  ddl = await connectSource()
  await source.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v VARCHAR(20))`)
  await source.query(`CREATE TABLE \`${db}\`.u (id INT PRIMARY KEY, w INT, gone INT)`)
  await source.query(`INSERT INTO \`${db}\`.t SELECT seq, CONCAT('v', seq) FROM \`${db}\`.seq_1_to_2000`)
  await source.query(`INSERT INTO \`${db}\`.u SELECT seq, seq * 2, seq FROM \`${db}\`.seq_1_to_500`)
  await source.query(`CREATE TABLE \`${db}\`.z (id INT PRIMARY KEY, n INT)`)
  await source.query(`INSERT INTO \`${db}\`.z VALUES (1, 0)`)
})
afterAll(async () => {
  await closeScratchDatabase(db, source, target, blocker, ddl)
})

async function waitForProcess(pattern: RegExp, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const [rows] = (await source.query(
      `SELECT INFO AS info FROM information_schema.PROCESSLIST WHERE INFO IS NOT NULL`,
    )) as unknown as [{ info: string }[]]
    if (rows.some((r) => pattern.test(r.info))) return
    if (Date.now() > deadline) throw new Error(`no statement matching ${pattern} appeared`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

it('a DDL queued behind the snapshot lock is replicated, not baked into the schema read after it', async () => {
  // FLUSH TABLES WITH READ LOCK waits for a running write, and the ALTERs sent meanwhile wait for the lock, so
  // they run right after UNLOCK TABLES.
  const held = blocker.query(`UPDATE \`${db}\`.z SET n = SLEEP(2) WHERE id = 1`)
  await waitForProcess(/SET n = SLEEP\(2\)/)
  const job = runJob({
    name: 'snapshot-ddl',
    source: sourceServer(),
    target: targetServer(),
    type: 'both',
    objects: [db],
    spec: { concurrency: 2, exportMBps: 0 },
  })
  await waitForProcess(/FLUSH TABLES WITH READ LOCK/)
  const altered = (async () => {
    await ddl.query(`ALTER TABLE \`${db}\`.t ADD COLUMN added INT NOT NULL DEFAULT 7`)
    await ddl.query(`ALTER TABLE \`${db}\`.u DROP COLUMN gone`)
  })()
  await waitForProcess(/ALTER TABLE .*ADD COLUMN added/)
  await held
  await altered
  await source.query(`INSERT INTO \`${db}\`.t (id, v, added) VALUES (5001, 'after', 42)`)
  await source.query(`UPDATE \`${db}\`.u SET w = -1 WHERE id = 3`)
  await waitForStage(job.store, job.jobId, 'incremental', job.run)
  await job.caughtUpAfter(Date.now())
  job.run.pause()
  expect(await job.run.done, job.logs.join('\n')).toBe('paused')
  await expectSameTables(source, target, db)
  const [cols] = (await target.query(
    `SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't' ORDER BY ORDINAL_POSITION`,
    [db],
  )) as unknown as [{ c: string }[]]
  expect(cols.map((c) => c.c)).toEqual(['id', 'v', 'added'])
}, 90_000)

it('a DDL during the copy on a table not read yet: the snapshot is taken again and that table copied from it', async () => {
  const copyDb = uniqueName('copyddl')
  const { source: s, target: t } = await openScratchDatabase(copyDb)
  try {
    // One reader: `big` (first by name order) is copied slowly; `later` is not read before the ALTER runs.
    await s.query(`CREATE TABLE \`${copyDb}\`.big (id INT PRIMARY KEY, pad VARCHAR(200))`)
    await s.query(`INSERT INTO \`${copyDb}\`.big SELECT seq, REPEAT('p', 200) FROM \`${copyDb}\`.seq_1_to_20000`)
    await s.query(`CREATE TABLE \`${copyDb}\`.later (id INT PRIMARY KEY, w INT, gone INT)`)
    await s.query(`INSERT INTO \`${copyDb}\`.later SELECT seq, seq * 2, seq FROM \`${copyDb}\`.seq_1_to_500`)
    // Fresh statistics: the chunk plan (and so the copy's order, big first in many chunks) is sized from them.
    await s.query(`ANALYZE TABLE \`${copyDb}\`.big, \`${copyDb}\`.later`)
    const job = runJob(
      {
        name: 'copy-ddl',
        source: sourceServer(),
        target: targetServer(),
        type: 'both',
        objects: [copyDb],
        spec: { concurrency: 1, exportMBps: 1 },
      },
      { targetChunkBytes: 256 * 1024 },
    )
    const deadline = Date.now() + 60_000
    while (!job.store.listChunks(job.jobId).some((c) => c.state === 'done' && c.table === `${copyDb}.big`)) {
      if (Date.now() > deadline) throw new Error(`no chunk of big was copied:\n${job.logs.join('\n')}`)
      await new Promise((r) => setTimeout(r, 50))
    }
    await s.query(`ALTER TABLE \`${copyDb}\`.later DROP COLUMN gone`)
    await s.query(`UPDATE \`${copyDb}\`.later SET w = -1 WHERE id = 3`)
    await s.query(`INSERT INTO \`${copyDb}\`.big VALUES (30000, 'after')`)
    await waitForStage(job.store, job.jobId, 'incremental', job.run, 120_000)
    await job.caughtUpAfter(Date.now())
    job.run.pause()
    expect(await job.run.done, job.logs.join('\n')).toBe('paused')
    expect(
      job.logs.some((l) => l.includes('LOAD_SOURCE_DDL_DURING_COPY')),
      job.logs.join('\n'),
    ).toBe(true)
    await expectSameTables(s, t, copyDb)
  } finally {
    await closeScratchDatabase(copyDb, s, t)
  }
}, 180_000)
