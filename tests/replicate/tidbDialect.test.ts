/**
 * Replicated DDL in MariaDB's dialect reaches a TiDB target in the form TiDB accepts with the same effect (each
 * rewrite logged), and a change TiDB has no faithful form of stops the job naming the statement and the choices.
 * On a MariaDB target the same statements run as the source ran them.
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  openScratchDatabase,
  closeScratchDatabase,
  sourceServer,
  targetKind,
  targetServer,
  uniqueName,
} from '../harness/servers'
import { expectSameTables, runJob, waitForStage } from './replicationFixture'

const db = uniqueName('dialect')
let source: Connection
let target: Connection

beforeAll(async () => {
  ;({ source, target } = await openScratchDatabase(db))
  await source.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v INT)`)
  await source.query(`CREATE TABLE \`${db}\`.u (id INT PRIMARY KEY, v INT)`)
  await source.query(`INSERT INTO \`${db}\`.t SELECT seq, seq FROM \`${db}\`.seq_1_to_300`)
  await source.query(`CREATE TABLE \`${db}\`.spatial (id INT PRIMARY KEY)`)
})
afterAll(async () => {
  await closeScratchDatabase(db, source, target)
})

it("applies MariaDB's DDL forms with TiDB's equivalents and ends equal", async () => {
  const job = runJob({
    name: 'dialect',
    source: sourceServer(),
    target: targetServer(),
    type: 'both',
    objects: [db],
    spec: { concurrency: 2, exportMBps: 0 },
  })
  await waitForStage(job.store, job.jobId, 'incremental', job.run)
  await source.query(`USE \`${db}\``)
  const statements = [
    'ALTER ONLINE TABLE t ADD COLUMN a1 INT DEFAULT 1',
    'ALTER TABLE t WAIT 5 ADD COLUMN a2 INT',
    'ALTER TABLE t NOWAIT ADD COLUMN a3 INT',
    'ALTER TABLE t ADD COLUMN a4 INT, ALGORITHM=NOCOPY',
    'ALTER TABLE t FORCE',
    'CREATE OR REPLACE TABLE u (id INT PRIMARY KEY, v INT, x INT)',
    'INSERT INTO u VALUES (1, 1, 1), (2, 2, 2)',
    'RENAME TABLE IF EXISTS u TO u2',
    'ALTER TABLE t ADD COLUMN c5 INT, ADD KEY k5 (c5)',
    'ALTER TABLE t ADD COLUMN rank INT',
    'CREATE TABLE w (id INT PRIMARY KEY, window INT, lead INT)',
    'INSERT INTO w VALUES (1, 2, 3)',
    'ALTER TABLE t ADD COLUMN e1 INT FIRST, ADD COLUMN e2 INT AFTER e1',
    'ALTER TABLE t ADD COLUMN uu UUID',
    'UPDATE t SET rank = id, c5 = id * 2, e2 = -id, a2 = id, uu = UUID() WHERE id < 50',
    'DELETE FROM t WHERE id > 290',
    'ALTER TABLE t ADD KEY kc (a1, a3, v)',
    'ALTER TABLE t DROP COLUMN a3',
    'UPDATE t SET a1 = 7 WHERE id = 3',
  ]
  for (const sql of statements) await source.query(sql)
  await job.caughtUpAfter(Date.now())
  job.run.pause()
  expect(await job.run.done, job.logs.join('\n')).toBe('paused')
  await expectSameTables(source, target, db, ['t', 'u2', 'w'])
  const indexColumns = async (c: Connection) =>
    (
      (await c.query(
        `SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) AS cols FROM information_schema.STATISTICS
          WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't' AND INDEX_NAME = 'kc'`,
        [db],
      )) as unknown as [{ cols: string }[]]
    )[0][0]!.cols
  expect(await indexColumns(target)).toBe(await indexColumns(source))
  const log = job.logs.join('\n')
  if (targetKind() === 'tidb') {
    for (const rewrite of [
      /ONLINE removed/,
      /WAIT 5 removed/,
      /NOWAIT removed/,
      /ALGORITHM=NOCOPY removed/,
      /FORCE removed/,
      /CREATE OR REPLACE TABLE → DROP TABLE IF EXISTS, then CREATE TABLE/,
      /RENAME TABLE IF EXISTS → RENAME TABLE/,
      /split into 2 statements/,
      /`rank` quoted/,
      /`window`, `lead` quoted/,
      /UUID → CHAR\(36\)/,
      /index kc \(a1, a3, v\) rebuilt as \(a1, v\)/,
    ]) {
      expect(log).toMatch(new RegExp(`REPLICATE_DDL_REWRITE DDL rewrite for TiDB: ${rewrite.source}`))
    }
  } else expect(log).not.toMatch(/REPLICATE_DDL_REWRITE/)
}, 90_000)

it.runIf(targetKind() === 'tidb')(
  'stops on a spatial column, naming the statement and the choices',
  async () => {
    const job = runJob({
      name: 'dialect-refused',
      source: sourceServer(),
      target: targetServer(),
      type: 'both',
      objects: [`${db}.spatial`],
      spec: { concurrency: 1, exportMBps: 0 },
    })
    await waitForStage(job.store, job.jobId, 'incremental', job.run)
    await source.query(`ALTER TABLE \`${db}\`.spatial ADD COLUMN p POINT`)
    const outcome = await Promise.race([job.run.done, new Promise((r) => setTimeout(() => r('timeout'), 15_000))])
    expect(outcome, job.logs.join('\n')).toBe('failed')
    const error = job.store.getJob(job.jobId)!.lastError!
    expect(error.code).toBe('REPLICATE_DDL_UNSUPPORTED')
    expect(error.message).toMatch(/spatial type POINT/)
    expect(error.message).toContain('ADD COLUMN p POINT')
    expect(error.workaround).toMatch(/Exclude the table/)
  },
  60_000,
)
