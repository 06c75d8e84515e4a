/**
 * Replicated DDL that names a character set without a collation gets the source's default collation for it on
 * the source; the target's default may differ (TiDB: utf8mb4_bin, latin1_bin), which changes how the column
 * compares and sorts. A latin1 table converted to utf8mb4 on the source keeps its text and gets the same collation
 * on the target.
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

const db = uniqueName('charsetddl')
let source: Connection
let target: Connection

beforeAll(async () => {
  ;({ source, target } = await openScratchDatabase(db))
  await source.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, name VARCHAR(30)) CHARACTER SET latin1`)
  await source.query(`INSERT INTO \`${db}\`.t VALUES (1, 'café'), (2, 'Müller'), (3, '€ 5'), (4, NULL)`)
})
afterAll(async () => {
  await closeScratchDatabase(db, source, target)
})

async function collations(c: Connection): Promise<Record<string, string | null>> {
  const [rows] = (await c.query(
    `SELECT CONCAT(TABLE_NAME, '.', COLUMN_NAME) AS col, COLLATION_NAME AS coll FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = ? AND COLLATION_NAME IS NOT NULL ORDER BY 1`,
    [db],
  )) as unknown as [{ col: string; coll: string }[]]
  return Object.fromEntries(rows.map((r) => [r.col, r.coll]))
}

it('keeps the source collation and the text through CONVERT TO CHARACTER SET and CHARACTER SET columns', async () => {
  const job = runJob({
    name: 'charset-ddl',
    source: sourceServer(),
    target: targetServer(),
    type: 'both',
    objects: [db],
    spec: { concurrency: 2, exportMBps: 0 },
  })
  await waitForStage(job.store, job.jobId, 'incremental', job.run)
  await source.query(`ALTER TABLE \`${db}\`.t CONVERT TO CHARACTER SET utf8mb4`)
  await source.query(`INSERT INTO \`${db}\`.t VALUES (5, 'naïve 😀')`)
  await source.query(`ALTER TABLE \`${db}\`.t ADD COLUMN code VARCHAR(10) CHARACTER SET latin1`)
  await source.query(`UPDATE \`${db}\`.t SET code = 'Ä' WHERE id = 2`)
  await source.query(`CREATE TABLE \`${db}\`.later (id INT PRIMARY KEY, v VARCHAR(10)) CHARSET utf8mb4`)
  await source.query(`INSERT INTO \`${db}\`.later VALUES (1, 'a'), (2, 'B')`)
  await job.caughtUpAfter(Date.now())
  job.run.pause()
  expect(await job.run.done, job.logs.join('\n')).toBe('paused')
  await expectSameTables(source, target, db)
  // TiDB has latin1_bin only: that one rewrite is recorded; every other column keeps the source's collation.
  const expected = await collations(source)
  if (targetKind() === 'tidb') {
    expect(expected['t.code']).toBe('latin1_swedish_ci')
    expected['t.code'] = 'latin1_bin'
    expect(job.logs.join('\n')).toMatch(
      /SCHEMA_COLLATION DDL rewrite: latin1_swedish_ci → latin1_bin \(.*case-sensitive/,
    )
  }
  expect(await collations(target)).toEqual(expected)
  // Same collation, same comparisons: 'cafe' matches 'café' under utf8mb4_general_ci.
  const [[hit]] = (await target.query(`SELECT COUNT(*) AS n FROM \`${db}\`.t WHERE name = 'CAFE'`)) as unknown as [
    { n: number }[],
  ]
  expect(Number(hit!.n)).toBe(1)
}, 90_000)
