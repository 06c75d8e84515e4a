/**
 * Secondary indexes are built after the data only on tables the job creates, in logical mode as in
 * physical: a table that already exists on the target keeps exactly the indexes it has.
 */
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openScratchDatabase, closeScratchDatabase, sourceServer, targetServer, uniqueName } from '../harness/servers'
import { runJobToEnd } from './jobRun'
import { compareTable } from '../harness/tableComparison'

const db = uniqueName('deferral')
let source: Connection
let target: Connection

const indexes = async (c: Connection, table: string) => {
  const [rows] = (await c.query(
    'SELECT INDEX_NAME AS n, NON_UNIQUE AS u, SEQ_IN_INDEX AS s, COLUMN_NAME AS c FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [db, table],
  )) as unknown as [{ n: string; u: number | string; s: number | string; c: string }[]]
  // Sorted here: the engines' information_schema collations order names differently.
  const byName = new Map<string, string[]>()
  for (const r of [...rows].sort((a, b) => Number(a.s) - Number(b.s))) {
    byName.set(r.n, [...(byName.get(r.n) ?? [`unique=${Number(r.u) === 0}`]), r.c])
  }
  return [...byName.keys()].sort().map((n) => (n === 'PRIMARY' ? n : `${n}(${byName.get(n)!.join(',')})`))
}

beforeAll(async () => {
  ;({ source, target } = await openScratchDatabase(db))
  await source.query(
    `CREATE TABLE \`${db}\`.fresh (id INT PRIMARY KEY, a INT, b VARCHAR(10), KEY ka (a), KEY kab (a, b))`,
  )
  await source.query(`CREATE TABLE \`${db}\`.kept (id INT PRIMARY KEY, a INT, KEY ka (a))`)
  await source.query(
    `INSERT INTO \`${db}\`.fresh SELECT seq, seq % 97, CONCAT('b', seq % 13) FROM \`${db}\`.seq_1_to_30000`,
  )
  await source.query(`INSERT INTO \`${db}\`.kept SELECT seq, seq % 89 FROM \`${db}\`.seq_1_to_3000`)
  // The user's own target layout for `kept`: no secondary index at all.
  await target.query(`CREATE DATABASE \`${db}\``)
  await target.query(`CREATE TABLE \`${db}\`.kept (id INT PRIMARY KEY, a INT)`)
})
afterAll(async () => {
  await closeScratchDatabase(db, source, target)
})

it('logical mode builds the indexes of created tables after their data and leaves existing tables alone', async () => {
  const { store, job, outcome, log } = await runJobToEnd({
    name: 'deferral',
    source: { ...sourceServer() },
    target: { ...targetServer() },
    type: 'existing',
    mode: 'logical',
    objects: [db],
    // 'auto' would write TiDB's indexes with the rows: the build after the data is asked for.
    spec: { concurrency: 2, exportMBps: 0, deferIndexes: true },
  })
  expect(outcome, log).toBe('finished')
  expect(log).toMatch(new RegExp(`Built the secondary indexes of ${db}\\.fresh`))
  expect(log).not.toMatch(new RegExp(`secondary indexes of ${db}\\.kept`))
  expect(await indexes(target, 'fresh')).toEqual(await indexes(source, 'fresh'))
  expect(await indexes(target, 'kept')).toEqual(['PRIMARY'])
  expect(store.listDeferredIndexes(job.id)).toEqual([])
  for (const t of ['fresh', 'kept']) {
    const diff = await compareTable(source, target, db, t)
    expect(diff.firstDifference).toBeNull()
  }
})
